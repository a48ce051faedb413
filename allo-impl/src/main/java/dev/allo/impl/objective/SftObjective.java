package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveConfig;
import java.util.List;

/**
 * Supervised fine-tuning on the chosen responses: the token-mean negative log-likelihood
 * {@code L = -(sum_{b,j} m+_j w+_j l+_j) / (sum_{b,j} m+_j)}, normalised by {@link Normalization#CHOSEN_TOKENS}
 * (TRL's {@code loss_type="sft"}: cross-entropy over all chosen response tokens of the batch). Reads only the
 * chosen side; needs no reference. Reports no rewards.
 */
final class SftObjective extends AbstractObjective {

    /**
     * Creates the objective.
     *
     * @param config its config
     */
    SftObjective(ObjectiveConfig.Sft config) {
        super(config);
    }

    @Override
    List<TermTensor> terms(ObjectiveBatch in, MetricsCollector extras) {
        return List.of(term(in, name(), 1.0));
    }

    /**
     * The SFT term of a validated micro-batch.
     *
     * @param in the micro-batch, with a chosen side
     * @param name the term's name
     * @param weight the term's coefficient
     * @return the term: sum {@code -sum m w l}, count {@code sum m}
     */
    static TermTensor term(ObjectiveBatch in, String name, double weight) {
        ResponseTensors chosen = in.chosen();
        NDArray negativeLogLikelihood = chosen.weighted(chosen.policy()).sum().neg();
        return new TermTensor(name, negativeLogLikelihood, Normalization.CHOSEN_TOKENS, chosen.maskFloat().sum(),
                weight);
    }

    @Override
    NDArray rewards(ResponseTensors side) {
        return null;
    }

    @Override
    public boolean requiresReference() {
        return false;
    }

    @Override
    public boolean requiresChosen() {
        return true;
    }

    @Override
    public boolean requiresRejected() {
        return false;
    }

    @Override
    double beta() {
        return 0;
    }
}
