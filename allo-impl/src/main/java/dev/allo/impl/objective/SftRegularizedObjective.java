package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import dev.allo.objective.ObjectiveConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Any objective plus a weighted SFT term on the chosen responses: {@code L = L_base + alpha * L_sft}, with
 * {@code L_sft = -(sum m+ w+ l+) / (sum m+)}. The two terms keep their own normalisations (the base's, and
 * {@code CHOSEN_TOKENS}), so gradient accumulation stays exact. Rewards, state and reference needs are the base's;
 * the chosen side is always needed. Extra metric: {@code nll_loss}, {@code L_sft} before its weight (the name TRL
 * up to v0.28 logged for this term; TRL from v0.29 adds it as {@code loss_type} {@code "sft"} with a weight in
 * {@code loss_weights}).
 */
final class SftRegularizedObjective extends AbstractObjective {

    private final AbstractObjective base;
    private final double alpha;

    /**
     * Creates the objective.
     *
     * @param config its config
     * @param base the objective built from {@code config.base()}
     */
    SftRegularizedObjective(ObjectiveConfig.WithSft config, AbstractObjective base) {
        super(config);
        this.base = base;
        this.alpha = config.alpha();
    }

    @Override
    List<TermTensor> terms(ObjectiveBatch in, MetricsCollector extras) {
        List<TermTensor> terms = new ArrayList<>(base.terms(in, extras));
        TermTensor sft = SftObjective.term(in, "sft", alpha);
        extras.put("nll_loss", sft.sum().div(sft.count()));
        terms.add(sft);
        return terms;
    }

    @Override
    NDArray rewards(ResponseTensors side) {
        return base.rewards(side);
    }

    @Override
    NDArray reportedLogps(ResponseTensors side) {
        return base.reportedLogps(side);
    }

    @Override
    boolean needsReference(Side side) {
        return base.needsReference(side);
    }

    @Override
    public boolean requiresReference() {
        return base.requiresReference();
    }

    @Override
    public boolean requiresChosen() {
        return true;
    }

    @Override
    public boolean requiresRejected() {
        return base.requiresRejected();
    }

    @Override
    double beta() {
        return base.beta();
    }

    @Override
    public Map<String, double[]> saveState() {
        return base.saveState();
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        base.restoreState(state);
    }
}
