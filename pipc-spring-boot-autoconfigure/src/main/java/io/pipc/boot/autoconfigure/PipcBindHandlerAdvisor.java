package io.pipc.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;

/**
 * Makes Boot's one binding of {@code pipc.*} strict. A key that is no pipc property (in
 * configuration files and arguments: Boot leaves environment variables and system properties
 * out of this check, as for {@code ignoreUnknownFields = false}) and a value that cannot be
 * read as its property's type ({@code transport: pigeon}, {@code heartbeat: often}) fail the
 * start with one {@link InvalidPipcPropertiesException} that names each, together with
 * whatever the rules of {@link PipcDefinitions} find wrong besides.
 *
 * <p>Boot applies an advisor to the binding of every configuration properties bean; this one
 * changes nothing but the binding of {@code pipc}.
 */
final class PipcBindHandlerAdvisor implements ConfigurationPropertiesBindHandlerAdvisor {

    private static final ConfigurationPropertyName PIPC = ConfigurationPropertyName.of("pipc");

    private final @Nullable ClassLoader classLoader;

    /**
     * @param classLoader where {@code json-type} classes are looked up
     */
    PipcBindHandlerAdvisor(@Nullable ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public BindHandler apply(BindHandler bindHandler) {
        return new StrictPipcBinding(bindHandler, this.classLoader);
    }

    /**
     * Hands every call to Boot's handler, unless the binding is that of {@code pipc}: then to
     * Boot's check for unbound elements around it, and collects what fails.
     */
    private static final class StrictPipcBinding implements BindHandler {

        private final BindHandler lenient;

        private final BindHandler strict;

        private final @Nullable ClassLoader classLoader;

        private final List<PipcDefinitions.BindingProblem> unreadable = new ArrayList<>();

        private BindHandler current;

        private boolean pipc;

        StrictPipcBinding(BindHandler lenient, @Nullable ClassLoader classLoader) {
            this.lenient = lenient;
            this.strict = new NoUnboundElementsBindHandler(lenient, new UnboundElementsSourceFilter());
            this.classLoader = classLoader;
            this.current = lenient;
        }

        @Override
        public <T> @Nullable Bindable<T> onStart(ConfigurationPropertyName name, Bindable<T> target, BindContext context) {
            if (context.getDepth() == 0) {
                this.pipc = PIPC.equals(name);
                this.current = this.pipc ? this.strict : this.lenient;
            }
            return this.current.onStart(name, target, context);
        }

        @Override
        public @Nullable Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                Object result) {
            return this.current.onSuccess(name, target, context, result);
        }

        @Override
        public Object onCreate(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                Object result) {
            return this.current.onCreate(name, target, context, result);
        }

        /**
         * Notes a value of pipc's that cannot be read and goes on binding without it, so that
         * one start reports every such value.
         */
        @Override
        public @Nullable Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                Exception error) throws Exception {
            if (!this.pipc || context.getDepth() == 0) {
                return this.current.onFailure(name, target, context, error);
            }
            ConfigurationProperty property = context.getConfigurationProperty();
            this.unreadable.add(PipcDefinitions.BindingProblem.unreadable(PipcDefinitions.propertyName(name),
                    target.getType().resolve(Object.class), (property != null) ? property.getValue() : null));
            return null;
        }

        @Override
        public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                @Nullable Object result) throws Exception {
            if (!this.pipc || context.getDepth() > 0) {
                this.current.onFinish(name, target, context, result);
                return;
            }
            List<PipcDefinitions.BindingProblem> problems = new ArrayList<>();
            try {
                this.strict.onFinish(name, target, context, result);
            }
            catch (UnboundConfigurationPropertiesException ex) {
                for (ConfigurationProperty unbound : ex.getUnboundProperties()) {
                    String property = PipcDefinitions.propertyName(unbound.getName());
                    if (this.unreadable.stream().noneMatch((problem) -> problem.property().equals(property))) {
                        problems.add(PipcDefinitions.BindingProblem.unknown(property, unbound.getValue()));
                    }
                }
            }
            problems.addAll(this.unreadable);
            if (!problems.isEmpty()) {
                PipcProperties properties = bound(result, target);
                // Throws, with these first and what the rules find besides.
                PipcDefinitions.resolve(properties, this.classLoader, problems);
                throw new InvalidPipcPropertiesException(problems.stream().map(PipcDefinitions.BindingProblem::message)
                        .toList());
            }
        }

        /** The root's result is null when nothing under it could be bound; the bean is there all the same. */
        private static PipcProperties bound(@Nullable Object result, Bindable<?> target) {
            Object bean = (result != null) ? result : (target.getValue() != null) ? target.getValue().get() : null;
            return (bean instanceof PipcProperties properties) ? properties : new PipcProperties();
        }
    }
}
