package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.impl.io.HfCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code config.json} that disagrees with its checkpoint is refused from the tensors' headers, before any tensor is
 * read or any per-layer structure is built, so absurd sizes fail at once with the file and the values.
 */
class DecoderCheckpointsBadConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void saveTinyModel() {
        DecoderConfig c = DecoderConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(40).build();
        try (DecoderModel model = DecoderModel.random(c, Device.cpu(), 1)) {
            DecoderCheckpoints.save(model, dir);
        }
        config = dir.resolve(HfCheckpoint.CONFIG_FILE);
    }

    private void edit(String field, long value) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(config.toFile());
        root.put(field, value);
        Files.writeString(config, JSON.writeValueAsString(root));
    }

    @Test
    void absurdLayerCountFailsOnTheLayersPresent() throws Exception {
        edit("num_hidden_layers", DecoderConfig.MAX_LAYERS);
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir, Device.cpu()).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(config.toString())
                .hasMessageContaining("num_hidden_layers = " + DecoderConfig.MAX_LAYERS)
                .hasMessageContaining("holds tensors of 2 layers");
    }

    @Test
    void aLayerCountPastTheLimitFailsBeforeAnyPerLayerStructure() throws Exception {
        edit("num_hidden_layers", Integer.MAX_VALUE);
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir, Device.cpu()).close())
                .hasMessageContaining(config.toString())
                .hasMessageContaining("num_hidden_layers must be at most 65536, got 2147483647");
    }

    @Test
    void fewerLayersThanTheCheckpointFailsNamingALayerOutside() throws Exception {
        edit("num_hidden_layers", 1);
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir, Device.cpu()).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("num_hidden_layers = 1")
                .hasMessageContaining("(including model.layers.1)");
    }

    @Test
    void hugeVocabularyFailsOnTheEmbeddingShapeBeforeReading() throws Exception {
        edit("vocab_size", 2_000_000_000L);
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir, Device.cpu()).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining("tensor 'model.embed_tokens.weight'")
                .hasMessageContaining("has shape (40, 16), but " + config + " implies (2000000000, 16)");
    }

    @Test
    void headWidthsWhoseProductOverflowsAreRefused() throws Exception {
        edit("head_dim", 1L << 30);
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir, Device.cpu()).close())
                .isInstanceOf(AlloException.class)
                .hasMessageContaining(config.toString())
                .hasMessageContaining("num_attention_heads * head_dim (4 * 1073741824) must be at most 2147483647");
    }
}
