package dev.allo.cli;

import dev.allo.Allo;
import dev.allo.model.SaveOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo export}: writes a model directory again as the files {@code save_pretrained} writes for a model and
 * its tokenizer, in a chosen weight type and shard size ({@code Allo.saveModel} with {@link SaveOptions}), atomically.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write --model as a Hugging Face directory (weights type and shard size of your choice).")
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "The directory to write.")
    Path output;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "AS_LOADED",
            description = "as_loaded (default), f32 or bf16.", converter = DtypeConverter.class)
    SaveOptions.WeightDtype dtype;

    @Option(names = "--max-shard-bytes", paramLabel = "BYTES", defaultValue = "5000000000",
            description = "Largest safetensors file (default 5 GB, as save_pretrained).")
    long maxShardBytes;

    /** Used by picocli. */
    ExportCommand() {}

    @Override
    public Integer call() {
        if (maxShardBytes <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-shard-bytes must be > 0, got "
                    + maxShardBytes);
        }
        try (LoadedModel loaded = model.load()) {
            Allo.saveModel(loaded.model(), loaded.tokenizer(), output, new SaveOptions(dtype, maxShardBytes));
        }
        spec.commandLine().getOut().println("Exported " + model.model + " to " + output.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Parses {@code as_loaded}, {@code f32}, {@code bf16} in any case. */
    static final class DtypeConverter implements CommandLine.ITypeConverter<SaveOptions.WeightDtype> {
        @Override
        public SaveOptions.WeightDtype convert(String value) {
            try {
                return SaveOptions.WeightDtype.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected as_loaded, f32 or bf16, got '" + value + "'");
            }
        }
    }
}
