package dev.allo.examples.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code state.json} fuzz kind: its seed is deterministic and resumes, and its layout-aware mutations are
 * re-sealed so that they reach the field checks behind the self-checksum.
 */
class CheckpointStateTargetTest {
    /** A plain mapper that reads the mutations' long names (Jackson's default stops at 50,000 characters). */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(
            StreamReadConstraints.builder().maxNameLength(1_000_000).maxStringLength(10_000_000).build()).build())
            .build();
    private static final CheckpointStateTarget TARGET = new CheckpointStateTarget();

    @TempDir
    static Path shared;
    private static Path template;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepare() throws IOException {
        template = Files.createDirectories(shared.resolve("a"));
        TARGET.prepare(template);
    }

    @Test
    void twoPreparesWriteTheSameFiles() throws IOException {
        Path again = Files.createDirectories(dir.resolve("b"));
        TARGET.prepare(again);
        List<String> files = files(template);
        assertThat(files(again)).isEqualTo(files).contains("state.json", "mask.bin", "model/model.safetensors");
        for (String f : files) {
            assertThat(Files.readAllBytes(again.resolve(f))).as(f).isEqualTo(Files.readAllBytes(template.resolve(f)));
        }
    }

    @Test
    void theSeedIsSealedAndResumesToTheUninterruptedWeights() throws Exception {
        byte[] seed = Files.readAllBytes(template.resolve("state.json"));
        assertSealed(seed);
        TARGET.load(caseWith("seed", seed)); // throws ResumeDiverged if the weights differ
    }

    @Test
    void layoutMutationsAreSealedSoTheFieldChecksAreReached() throws Exception {
        byte[] seed = Files.readAllBytes(template.resolve("state.json"));
        int sealed = 0;
        int refused = 0;
        for (int i = 0; i < 30; i++) {
            StringBuilder log = new StringBuilder();
            byte[] mutated = TARGET.mutateLayout(seed, new Random(i), log);
            if (mutated == null) {
                continue;
            }
            if (isObject(mutated)) {
                assertSealed(mutated);
                sealed++;
            }
            try {
                TARGET.load(caseWith("case-" + i, mutated));
            } catch (IllegalArgumentException | dev.allo.AlloException e) {
                refused++;
                assertThat(e.getMessage()).as("%s", log).doesNotContain("field 'crc32' is");
            }
        }
        assertThat(sealed).isGreaterThan(20);
        assertThat(refused).isGreaterThan(10);
    }

    /** The field {@code crc32} is the CRC32 of the compact serialisation of the rest (an independent check). */
    private static void assertSealed(byte[] bytes) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(bytes);
        long stored = root.get("crc32").longValue();
        root.remove("crc32");
        CRC32 crc = new CRC32();
        crc.update(JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        assertThat(stored).isEqualTo(crc.getValue());
    }

    private static boolean isObject(byte[] bytes) {
        try {
            JsonNode root = dev.allo.impl.io.JsonFiles.lenient().readTree(bytes);
            return root instanceof ObjectNode;
        } catch (IOException e) {
            return false;
        }
    }

    private Path caseWith(String name, byte[] state) throws IOException {
        Path caseDir = dir.resolve(name);
        for (String f : files(template)) {
            Path to = caseDir.resolve(f);
            Files.createDirectories(to.getParent());
            Files.copy(template.resolve(f), to);
        }
        Files.write(caseDir.resolve("state.json"), state);
        return caseDir.resolve("state.json");
    }

    private static List<String> files(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            List<String> out = new ArrayList<>();
            s.filter(Files::isRegularFile).forEach(p -> out.add(root.relativize(p).toString().replace('\\', '/')));
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
