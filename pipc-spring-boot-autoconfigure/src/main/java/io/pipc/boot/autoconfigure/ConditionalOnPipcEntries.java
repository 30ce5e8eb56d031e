package io.pipc.boot.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches when {@code pipc.*} configures something besides {@code pipc.directory}: an entry of
 * {@code pipc.pipes} or {@code pipc.servers} (or a misspelt key, which the binding reports).
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnPipcEntriesCondition.class)
public @interface ConditionalOnPipcEntries {

}
