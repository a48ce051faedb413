package dev.allo.examples.fuzz;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.importance.ImportanceScores;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.mask.NeuronMask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Valid seed files, written with the library's own writers from a tiny LLaMA model (hidden size 16, 2 layers, 2
 * query heads over 1 key/value head, vocabulary 32): checkpoints, a mask, importance scores, preference data and a
 * byte-level BPE {@code tokenizer.json}.
 */
final class TinySeeds {
    /** The tiny model's configuration. */
    static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
            .numAttentionHeads(2).numKeyValueHeads(1).vocabSize(32).bosTokenId(1).eosTokenIds(List.of(2))
            .padTokenId(0).build();

    private TinySeeds() {}

    /**
     * Writes the tiny model as a Hugging Face checkpoint.
     *
     * @param directory the checkpoint directory (replaced)
     * @param dtype how floating weights are stored
     * @param maxShardBytes the largest shard; small values give a sharded checkpoint with an index
     */
    static void checkpoint(Path directory, SafetensorsDtype dtype, long maxShardBytes) {
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 7)) {
            new HfCheckpointWriter().floatDtype(dtype).maxShardBytes(maxShardBytes).overwrite(true)
                    .file(HfCheckpoint.CONFIG_FILE, CONFIG.toJson().getBytes(StandardCharsets.UTF_8))
                    .write(directory, model.parameters());
        }
    }

    /**
     * Writes a mask over the tiny model's shapes: an index list, an all-selected tensor and a frozen one.
     *
     * @param file the mask file
     */
    static void mask(Path file) {
        Map<String, Shape> shapes = CONFIG.parameterShapes();
        NeuronMask.Builder b = NeuronMask.builder();
        b.add("model.layers.0.mlp.up_proj.weight", shapes.get("model.layers.0.mlp.up_proj.weight"),
                new int[] {0, 3, 17, 100, 511});
        b.addAll("model.layers.1.self_attn.q_proj.weight", shapes.get("model.layers.1.self_attn.q_proj.weight"));
        b.addNone("model.norm.weight", shapes.get("model.norm.weight"));
        b.build().save(file);
    }

    /**
     * Writes importance scores for three tensors of the tiny model.
     *
     * @param file the scores file
     */
    static void scores(Path file) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String name : List.of("model.layers.0.self_attn.k_proj.weight", "model.layers.1.mlp.down_proj.weight",
                    "model.norm.weight")) {
                arrays.put(name, manager.randomUniform(0, 1, CONFIG.parameterShapes().get(name)));
            }
            try (ImportanceScores scores = ImportanceScores.of(arrays)) {
                scores.save(file);
            }
        }
    }

    /**
     * Writes preference pairs in TRL's standard and conversational forms, with ids, references and metadata.
     *
     * @param file the JSON Lines file
     * @throws IOException if writing fails
     */
    static void preferences(Path file) throws IOException {
        Files.writeString(file, String.join("\n",
                "{\"prompt\": \"2 + 3 =\", \"chosen\": \" 5\", \"rejected\": \" 6\", \"id\": 1}",
                "{\"prompt\": \"Name a colour.\", \"chosen\": \"blue\", \"rejected\": \"seven\","
                        + " \"reference\": \"blue\", \"id\": \"b-2\", \"source\": {\"split\": \"train\", \"n\": [1, 2]}}",
                "",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"Say h\u00e9llo \ud83d\ude42\"}],"
                        + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"h\u00e9llo\"}],"
                        + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"bye\"}]}",
                "{\"prompt\": \"7 * 6 =\", \"chosen\": \" 42\", \"rejected\": \" 48\", \"score\": 0.5}")
                + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Writes a tiny GPT-2-style byte-level BPE {@code tokenizer.json}: the 256 byte symbols (ids 0 to 255), a few
     * merges, the special tokens {@code <s>}, {@code </s>}, {@code <pad>}, and a {@code <s> $A </s>} post-processor.
     *
     * @param file the file
     * @throws IOException if writing fails
     */
    static void tokenizer(Path file) throws IOException {
        List<String> merges = List.of("\u0120 t", "h e", "\u0120t he", "t he", "i n", "e r");
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<s>", "</s>", "<pad>"};
        int firstSpecial = 256 + merges.size();
        for (int k = 0; k < specials.length; k++) {
            ObjectNode t = added.addObject();
            t.put("id", firstSpecial + k);
            t.put("content", specials[k]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = post.putObject("special_tokens");
        for (int k = 0; k < 2; k++) {
            ObjectNode s = st.putObject(specials[k]);
            s.put("id", specials[k]);
            s.putArray("ids").add(firstSpecial + k);
            s.putArray("tokens").add(specials[k]);
        }
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            vocab.put(new String(Character.toChars(printable ? b : next++)), b);
        }
        for (String merge : merges) {
            vocab.put(merge.replace(" ", ""), vocab.size());
        }
        ArrayNode mergeList = model.putArray("merges");
        merges.forEach(mergeList::add);
        Files.writeString(file, m.writerWithDefaultPrettyPrinter().writeValueAsString(root),
                StandardCharsets.UTF_8);
    }
}
