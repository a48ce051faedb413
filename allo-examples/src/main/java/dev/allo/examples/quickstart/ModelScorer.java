package dev.allo.examples.quickstart;

import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.examples.task.Problem;
import dev.allo.impl.data.PairEncoder;
import dev.allo.impl.data.PreferenceCollator;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.impl.train.PreferenceEvaluator;
import dev.allo.impl.train.ReferenceLogProbs;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores trained models against the SFT model they started from: greedy accuracy on task problems (graded by the task's answer
 * checker) and held-out preference accuracy, the DPO {@code rewards/accuracies} of TRL: the share of held-out pairs
 * with {@code beta log(pi/pi_ref)(chosen) > beta log(pi/pi_ref)(rejected)}, with the SFT model as {@code pi_ref}.
 */
public final class ModelScorer {
    private final List<TokenizedPair> pairs;
    private final ReferenceLogProbs reference;
    private final int maxNewTokens;
    private final int batchSize;
    private final int padId;
    private final PreferenceObjective dpo = PreferenceObjective.of(ObjectiveConfig.Dpo.defaults());

    /**
     * A scorer; computes the reference model's log-probs of the held-out pairs once.
     *
     * @param reference the SFT model, {@code pi_ref}
     * @param heldOut the held-out preference pairs
     * @param maxNewTokens the generation budget per answer
     * @param batchSize pairs per forward pass
     */
    public ModelScorer(DecoderModel reference, List<PreferenceExample> heldOut, int maxNewTokens, int batchSize) {
        this.maxNewTokens = maxNewTokens;
        this.batchSize = batchSize;
        this.padId = PreferenceCollator.padIdFor(PreparedTask.TOKENIZER);
        PairEncoder encoder = new PairEncoder(PreparedTask.TOKENIZER, PreparedTask.TRUNCATION);
        DropLog drops = new DropLog();
        List<TokenizedPair> encoded = new ArrayList<>();
        for (int i = 0; i < heldOut.size(); i++) {
            encoder.encode(i, heldOut.get(i), drops).ifPresent(encoded::add);
        }
        this.pairs = List.copyOf(encoded);
        this.reference = ReferenceLogProbs.compute(reference, pairs, batchSize, TokenLogProbs.unchunked(), padId,
                "held-out-reference");
    }

    /**
     * Greedy accuracy on some problems.
     *
     * @param model the model; unchanged
     * @param problems the problems, not empty
     * @return the share of problems answered correctly, in {@code [0, 1]}
     */
    public double accuracy(DecoderModel model, List<Problem> problems) {
        return new SolutionSampler(model, PreparedTask.TOKENIZER, PreparedTask.STYLE, maxNewTokens)
                .accuracy(problems);
    }

    /**
     * Held-out preference accuracy against the reference model.
     *
     * @param model the model; unchanged
     * @return {@code rewards/accuracies} over the held-out pairs, in {@code [0, 1]}
     */
    public double preferenceAccuracy(DecoderModel model) {
        return PreferenceEvaluator.evaluate(model, dpo, pairs, reference, batchSize, TokenLogProbs.unchunked(),
                padId).get("rewards/accuracies");
    }
}
