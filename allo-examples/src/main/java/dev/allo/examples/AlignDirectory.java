package dev.allo.examples;

import ai.djl.Device;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.impl.chat.ModelChatTemplate;
import dev.allo.impl.data.JsonlPreferenceReader;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import dev.allo.model.CausalLm;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.ForgetConfig;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.TokenRewards;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's library example: ALLO (arXiv 2406.12606) on a Hugging Face model directory and a TRL-format
 * preference JSONL, with the paper's Table 5 question-answering settings (batches of 32 pairs, so the file needs at
 * least 64 pairs for two optimiser steps per stage). Conversational lines are rendered with the model's chat template
 * when it has one. The forgetting stage's token rewards come from the model-free edit distance between the rejected
 * and chosen responses; give the builder a rewriting model ({@code .rewriter(model)}, with the default
 * {@code TokenRewards.REWRITER}) for the paper's Eq. (5).
 *
 * <p>Usage: {@code AlignDirectory MODEL_DIR PREFS_JSONL OUTPUT_DIR}; run with {@code -Dai.djl.offline=true}. The
 * command line's {@code allo align} does the same with defaults fitted to the model's size.
 */
public final class AlignDirectory {
    private AlignDirectory() {}

    /**
     * Aligns the model and prints where the aligned model is.
     *
     * @param args the model directory, the JSONL file and the output directory
     */
    public static void main(String[] args) {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: AlignDirectory MODEL_DIR PREFS_JSONL OUTPUT_DIR, got "
                    + args.length + " arguments");
        }
        Path modelDir = Path.of(args[0]);
        try (CausalLm policy = Allo.loadModel(modelDir, Device.cpu());
                HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(modelDir)) {
            List<PreferenceExample> pairs = JsonlPreferenceReader.readAll(Path.of(args[1]),
                    ModelChatTemplate.readOptions(modelDir));          // conversations: the model's chat template
            AlignmentResult result = Allo.builder()
                    .model(policy).tokenizer(tokenizer).data(pairs)
                    .locateNeurons(LocateConfig.weightDelta())          // Sec. 4.1: key neurons by weight delta
                    .forget(ForgetConfig.defaults()                     // Sec. 4.2: token-level NPO on the top 5%
                            .withRewards(TokenRewards.EDIT_DISTANCE))   //   rewards without a rewriter model
                    .learn(LearnConfig.defaults())                      // Sec. 4.3: token-weighted DPO, top 10%
                    .outputDirectory(Path.of(args[2]))
                    .build().run();
            System.out.println("Aligned model: " + result.outputDirectory().resolve("model"));
        }
    }
}
