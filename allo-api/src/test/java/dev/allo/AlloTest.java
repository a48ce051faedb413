package dev.allo;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AlloTest {
    @Test
    void failsFastNamingTheImplementationArtifactWhenNoneIsOnTheClassPath() {
        assertThatThrownBy(() -> Allo.loadModel(Path.of("model"), Device.cpu()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dev.allo:allo-impl");
    }
}
