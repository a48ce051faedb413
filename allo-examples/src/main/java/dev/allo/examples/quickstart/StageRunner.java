package dev.allo.examples.quickstart;

import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TruncationPolicy;
import dev.allo.impl.model.DecoderModel;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.TrainingListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Runs pipeline stages on a model in place through {@code Allo.builder()}, with the examples' shared settings
 * (tokenizer, truncation, seed, progress listener), and prints each stage's step count and first and last loss.
 * Each run replaces the results a previous invocation of the example left in its directory.
 */
public final class StageRunner {
    private final Tokenizer tokenizer;
    private final TruncationPolicy truncation;
    private final long seed;
    private final int batchSize;
    private final TrainingListener progress;
    private final PrintStream log;

    /**
     * A runner.
     *
     * @param tokenizer the tokenizer of every model
     * @param truncation the longest sequence and prompt
     * @param seed the seed of every run
     * @param batchSize the pairs per optimiser step (capped by the data size)
     * @param progress a listener of every stage
     * @param log where the stage summaries go
     */
    public StageRunner(Tokenizer tokenizer, TruncationPolicy truncation, long seed, int batchSize,
            TrainingListener progress, PrintStream log) {
        this.tokenizer = tokenizer;
        this.truncation = truncation;
        this.seed = seed;
        this.batchSize = batchSize;
        this.progress = progress;
        this.log = log;
    }

    /**
     * Trains a model in place.
     *
     * @param model the model, changed by the stages
     * @param data the training pairs
     * @param dir the pipeline's output directory
     * @param stages adds the stages (and anything else) to a builder that has model, data and settings
     * @return the pipeline's result
     */
    public AlignmentResult train(DecoderModel model, List<PreferenceExample> data, Path dir,
            UnaryOperator<AlignmentBuilder> stages) {
        AlignmentResult result = stages.apply(Allo.builder().model(model).tokenizer(tokenizer).data(data)
                .seed(seed).maxLength(truncation.maxLength(), truncation.maxPromptLength())
                .listener(progress).outputDirectory(dir).overwrite()).build().run();
        result.stages().forEach((name, stage) -> {
            var history = stage.history(); // a bounded sample: first and last step included
            log.printf(Locale.ROOT, "      %s: %d steps, loss %.4f -> %.4f%n", name, stage.steps(),
                    history.isEmpty() ? Double.NaN : history.get(0).loss(), stage.last().loss());
        });
        return result;
    }

    /**
     * The training config of a stage: AdamW at a peak learning rate with the library's default schedule (cosine,
     * 10% warm-up), one micro-batch of {@code min(batchSize, pairs)} pairs per step.
     *
     * @param learningRate the peak learning rate
     * @param epochs passes over the data
     * @param pairs the stage's number of training pairs
     * @return the config
     */
    public TrainingConfig training(double learningRate, int epochs, int pairs) {
        int batch = Math.max(1, Math.min(batchSize, pairs));
        return TrainingConfig.defaults().withLearningRate(learningRate).withBatchSize(batch, batch)
                .withEpochs(epochs);
    }
}
