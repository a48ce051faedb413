package dev.allo.cli;

import dev.allo.data.ChatMessage;
import dev.allo.impl.chat.ChatTemplate;
import dev.allo.impl.chat.ModelChatTemplate;
import dev.allo.impl.model.GenerationConfig;
import dev.allo.impl.model.TokenGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code allo generate}: a prompt's continuation. The prompt is sent as one user message through the model's chat
 * template when it has one (unless {@code --raw}), else as plain text after the BOS token. Greedy by default;
 * {@code --temperature} above 0 samples with nucleus {@code --top-p} and {@code --seed}. Stops at the tokenizer's EOS.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text for a prompt (greedy unless --temperature > 0).")
final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "128",
            description = "Default ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 (default) is greedy.")
    double temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0", description = "Nucleus sampling mass.")
    double topP;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Sampling seed.")
    long seed;

    @Option(names = "--raw", description = "Do not apply the model's chat template.")
    boolean raw;

    /** Used by picocli. */
    GenerateCommand() {}

    @Override
    public Integer call() {
        if (maxNewTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-new-tokens must be >= 1, got "
                    + maxNewTokens);
        }
        ModelFiles.requireModel(model.model, "--model");
        Optional<ChatTemplate> template = raw ? Optional.empty() : ModelChatTemplate.find(model.model);
        String text = template.map(t -> t.render(List.of(new ChatMessage("user", prompt)), true)).orElse(prompt);
        try (LoadedModel loaded = model.load()) {
            var tokenizer = loaded.tokenizer();
            int[] encoded = tokenizer.encode(text);
            int from = 0;
            if (tokenizer.bosId().isPresent()) {
                while (from < encoded.length && encoded[from] == tokenizer.bosId().getAsInt()) {
                    from++; // the template's BOS text; one BOS is put back below
                }
            }
            List<Integer> ids = new ArrayList<>();
            tokenizer.bosId().ifPresent(ids::add);
            Arrays.stream(encoded, from, encoded.length).forEach(ids::add);
            GenerationConfig generation = temperature > 0
                    ? GenerationConfig.sampling(maxNewTokens, temperature, topP, seed)
                    : GenerationConfig.greedy(maxNewTokens);
            if (tokenizer.eosId().isPresent()) {
                generation = generation.withEosTokenIds(List.of(tokenizer.eosId().getAsInt()));
            }
            int[] out = new TokenGenerator(loaded.model()).generate(ids.stream().mapToInt(Integer::intValue).toArray(),
                    generation);
            spec.commandLine().getOut().println(tokenizer.decode(out));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
