package io.pipc.boot.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreErrorsBindHandler;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

/**
 * The reflection a native image needs for what pipc does by reflection: Jackson reads and
 * writes the {@code json-type} of every entry with {@code codec: json}, which only the
 * configuration names. Processed ahead of time, with the configuration of the build, like the
 * entries themselves; {@code @RegisterReflectionForBinding} does the same for other types.
 */
final class PipcJsonTypeHints implements BeanFactoryInitializationAotProcessor {

    @Override
    public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
            ConfigurableListableBeanFactory beanFactory) {
        if (!beanFactory.containsBean(PipcBeans.BEAN_NAME)
                || !(beanFactory.getBean("environment") instanceof ConfigurableEnvironment environment)) {
            return null;
        }
        Set<Class<?>> types = jsonTypes(environment, beanFactory.getBeanClassLoader());
        if (types.isEmpty()) {
            return null;
        }
        return (generationContext, code) -> {
            BindingReflectionHintsRegistrar bindings = new BindingReflectionHintsRegistrar();
            types.forEach((type) -> bindings.registerReflectionHints(generationContext.getRuntimeHints().reflection(), type));
        };
    }

    /** The classes the entries name; one that does not load is left to the checks when the application starts. */
    private static Set<Class<?>> jsonTypes(ConfigurableEnvironment environment, @Nullable ClassLoader classLoader) {
        PipcProperties properties = Binder.get(environment)
                .bind("pipc", Bindable.of(PipcProperties.class), new IgnoreErrorsBindHandler()).orElseGet(PipcProperties::new);
        List<PipcProperties.Entry> entries = new ArrayList<>(properties.getPipes().values());
        entries.addAll(properties.getServers().values());
        Set<Class<?>> types = new LinkedHashSet<>();
        for (PipcProperties.Entry entry : entries) {
            String name = entry.getJsonType();
            if (entry.getCodec() == CodecType.JSON && name != null && ClassUtils.isPresent(name.strip(), classLoader)) {
                types.add(ClassUtils.resolveClassName(name.strip(), classLoader));
            }
        }
        return types;
    }
}
