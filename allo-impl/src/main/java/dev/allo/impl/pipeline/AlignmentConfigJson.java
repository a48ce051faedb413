package dev.allo.impl.pipeline;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.OptBoolean;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.InjectableValues;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.AlloException;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.ReportingConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TokenRewards;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.pipeline.WeightStorage;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads and writes an {@link AlignmentConfig} as JSON, so a run can be described in a file, saved beside its
 * outputs and repeated. Field names are the record components' names; objectives carry a {@code "type"} field with
 * the objective's name ({@code dpo}, {@code token_dpo}, {@code token_npo}, {@code cdpo}, {@code ipo}, {@code rdpo},
 * {@code simpo}, {@code npo}, {@code hinge}, {@code bco_pair}, {@code sft}, {@code with_sft}). Unknown fields are
 * errors, so a misspelt setting is never silently ignored. Every value is validated by the records' constructors.
 * Fields added after a configuration was written take their documented defaults when absent (a file without
 * {@code "reporting"} reads with {@link ReportingConfig#defaults()}, one without {@code "weightStorage"} with
 * {@link WeightStorage#AUTO}, a stage without {@code "lora"} as no LoRA, a
 * training config without {@code gradientCheckpointing} as {@code false}); every other field is required.
 *
 * <pre>{@code
 * {
 *   "locate" : { "method" : "WEIGHT_DELTA", "warmUpObjective" : { "type" : "dpo", "beta" : 0.1 }, ... },
 *   "stages" : [ { "name" : "forget", "objective" : { "type" : "token_npo", "beta" : 0.1 },
 *                  "mask" : { "kind" : "GLOBAL_TOP_K", "ratio" : 0.05, ... }, "rewards" : "REWRITER", ... } ],
 *   "seed" : 42, "maxLength" : 512, "maxPromptLength" : 256, "logProbChunk" : 0,
 *   "reporting" : { "loggingSteps" : 10, "saveSteps" : 0, "saveTotalLimit" : 0, "reportTo" : [ "JSONL" ] },
 *   "weightStorage" : "AUTO"
 * }
 * }</pre>
 */
public final class AlignmentConfigJson {
    /** Without the training-config defaults: what {@link TrainingConfigDefaults} reads the completed object with. */
    private static final ObjectMapper PLAIN = configure(new ObjectMapper());
    private static final ObjectMapper JSON = mapper();
    private static final String REPORTING = "reporting";
    private static final String WEIGHT_STORAGE = "weightStorage";

    private AlignmentConfigJson() {}

    /** Adds the {@code "type"} discriminator to the sealed objective hierarchy without annotating the API. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    private interface ObjectiveConfigMixIn {}

    /** The value of a stage's {@code "lora"} when the field is absent (configurations written before it existed). */
    private static final String ABSENT_LORA = "stage.lora.absent";

    /**
     * The stage's canonical constructor, with {@code "lora"} optional: an absent field is injected as {@code null}
     * (every other field stays required).
     */
    private abstract static class StageConfigMixIn {
        @JsonCreator
        @SuppressWarnings("unused")
        StageConfigMixIn(@JsonProperty("name") String name, @JsonProperty("objective") ObjectiveConfig objective,
                @JsonProperty("mask") MaskRule mask, @JsonProperty("rewards") TokenRewards rewards,
                @JsonProperty("rewardThreshold") double rewardThreshold,
                @JsonProperty("training") TrainingConfig training,
                @JsonProperty("lora") @JacksonInject(value = ABSENT_LORA, useInput = OptBoolean.TRUE)
                LoraSettings lora) {}
    }

    /** Fills the training-config fields added later ({@code gradientCheckpointing}) with their defaults. */
    @JsonDeserialize(using = TrainingConfigDefaults.class)
    private interface TrainingConfigMixIn {}

    /** Reads a training config, {@code gradientCheckpointing} false when absent (configurations written before it). */
    private static final class TrainingConfigDefaults extends StdDeserializer<TrainingConfig> {
        private static final long serialVersionUID = 1L;

        TrainingConfigDefaults() {
            super(TrainingConfig.class);
        }

        @Override
        public TrainingConfig deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode node = parser.readValueAsTree();
            if (node instanceof ObjectNode object) {
                List<Object> known = new ArrayList<>();
                for (RecordComponent c : TrainingConfig.class.getRecordComponents()) {
                    known.add(c.getName());
                }
                for (Iterator<String> names = object.fieldNames(); names.hasNext();) {
                    String name = names.next();
                    if (!known.contains(name)) {
                        throw UnrecognizedPropertyException.from(parser, TrainingConfig.class, name, known);
                    }
                }
                if (!object.has("gradientCheckpointing")) {
                    object.put("gradientCheckpointing", false);
                }
            }
            try {
                return PLAIN.treeToValue(node, TrainingConfig.class);
            } catch (JsonMappingException e) { // located at the end of the training object, not at -1
                throw JsonMappingException.from(parser, e.getOriginalMessage(), e.getCause() != null ? e.getCause()
                        : e);
            }
        }
    }

    private static ObjectMapper mapper() {
        ObjectMapper m = configure(new ObjectMapper());
        m.addMixIn(TrainingConfig.class, TrainingConfigMixIn.class);
        return m;
    }

    private static ObjectMapper configure(ObjectMapper m) {
        m.addMixIn(ObjectiveConfig.class, ObjectiveConfigMixIn.class);
        m.addMixIn(StageConfig.class, StageConfigMixIn.class);
        m.setInjectableValues(new InjectableValues.Std().addValue(ABSENT_LORA, null));
        m.registerSubtypes(
                new NamedType(ObjectiveConfig.Dpo.class, "dpo"),
                new NamedType(ObjectiveConfig.TokenDpo.class, "token_dpo"),
                new NamedType(ObjectiveConfig.TokenNpo.class, "token_npo"),
                new NamedType(ObjectiveConfig.ConservativeDpo.class, "cdpo"),
                new NamedType(ObjectiveConfig.Ipo.class, "ipo"),
                new NamedType(ObjectiveConfig.RDpo.class, "rdpo"),
                new NamedType(ObjectiveConfig.SimPo.class, "simpo"),
                new NamedType(ObjectiveConfig.Npo.class, "npo"),
                new NamedType(ObjectiveConfig.Hinge.class, "hinge"),
                new NamedType(ObjectiveConfig.BcoPair.class, "bco_pair"),
                new NamedType(ObjectiveConfig.Sft.class, "sft"),
                new NamedType(ObjectiveConfig.WithSft.class, "with_sft"));
        m.enable(SerializationFeature.INDENT_OUTPUT);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
        return m;
    }

    /**
     * The configuration as JSON text.
     *
     * @param config the configuration
     * @return pretty-printed JSON
     */
    public static String toJson(AlignmentConfig config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new AlloException("Cannot encode the alignment configuration as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses and validates a configuration.
     *
     * @param json the JSON text
     * @param source how to name the text in error messages
     * @return the configuration
     * @throws AlloException naming the source, the location and the problem when the JSON is malformed, has an
     *     unknown or missing field, or holds an invalid value
     */
    public static AlignmentConfig parse(String json, String source) {
        try {
            JsonNode tree = JSON.readTree(json);
            if (tree instanceof ObjectNode object && (!object.has(REPORTING) || !object.has(WEIGHT_STORAGE))) {
                if (!object.has(REPORTING)) {
                    object.set(REPORTING, JSON.valueToTree(ReportingConfig.defaults()));
                }
                if (!object.has(WEIGHT_STORAGE)) {
                    object.put(WEIGHT_STORAGE, WeightStorage.AUTO.name());
                }
                return JSON.treeToValue(object, AlignmentConfig.class);
            }
            return JSON.readValue(json, AlignmentConfig.class); // from the text, so errors carry line and column
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new AlloException("Invalid alignment configuration " + source + where + ": "
                    + (cause == e ? e.getOriginalMessage() : cause.getMessage()), e);
        }
    }

    /**
     * Reads a configuration file.
     *
     * @param file the JSON file
     * @return the configuration
     * @throws AlloException if the file is missing, unreadable or invalid
     */
    public static AlignmentConfig read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new AlloException("Alignment configuration " + file + " does not exist", e);
        } catch (IOException e) {
            throw new AlloException("Cannot read alignment configuration " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a configuration atomically (a temporary file beside the target, then a rename).
     *
     * @param config the configuration
     * @param file the target file
     * @throws AlloException if the file cannot be written
     */
    public static void write(AlignmentConfig config, Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, toJson(config) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AlloException("Cannot write alignment configuration " + file + ": " + e.getMessage(), e);
        }
    }
}
