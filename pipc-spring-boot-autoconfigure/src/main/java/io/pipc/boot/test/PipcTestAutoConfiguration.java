package io.pipc.boot.test;

import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import io.pipc.boot.autoconfigure.PipeFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * What {@link AutoConfigurePipcTest} imports: the {@link InProcessPipeFactory}, in place of
 * the factory that opens real transports (and of one the application defines).
 */
@AutoConfiguration(before = PipcAutoConfiguration.class)
public final class PipcTestAutoConfiguration {

    @Bean
    @Primary
    InProcessPipeFactory pipcTestPipeFactory() {
        return new InProcessPipeFactory(PipeFactory.pipes());
    }
}
