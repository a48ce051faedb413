package dev.allo.impl.ila;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.objective.LossTerm;
import dev.allo.objective.Normalization;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.ObjectiveOutput;
import dev.allo.objective.PreferenceBatchLogProbs;
import dev.allo.objective.PreferenceObjective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ILA's training objective: the task loss of any {@link PreferenceObjective} plus the gate sparsity penalty,
 *
 * <pre>
 * L = L_task + lambda * sum_l gamma_l,       gamma_l = sigmoid(s_l),      dL/ds_l = dL_task/ds_l + lambda gamma_l (1 - gamma_l)
 * </pre>
 *
 * <p>The penalty is added as one more {@link LossTerm} normalised by pairs whose sum is {@code B_k * sum_l gamma_l}
 * for a micro-batch of {@code B_k} pairs, so {@link ObjectiveOutput#accumulationLoss} over the micro-batches of a
 * batch adds exactly {@code lambda * sum_l gamma_l} once per optimiser step, whatever the micro-batch size. Extra
 * metrics: {@code ila/gate_sum} ({@code sum_l gamma_l}) and {@code ila/penalty} ({@code lambda} times it).
 */
public final class GatePenaltyObjective implements PreferenceObjective {
    private final PreferenceObjective task;
    private final IlaGatedModel model;
    private final double lambda;

    /**
     * Wraps a task objective.
     *
     * @param task the task loss (SFT, DPO, ...)
     * @param model the gated model whose gates are penalised
     * @param lambda the penalty coefficient, {@code >= 0}
     * @throws IllegalArgumentException if {@code lambda} is negative or not finite
     */
    public GatePenaltyObjective(PreferenceObjective task, IlaGatedModel model, double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        this.task = task;
        this.model = model;
        this.lambda = lambda;
    }

    @Override
    public ObjectiveOutput compute(PreferenceBatchLogProbs batch) {
        ObjectiveOutput out = task.compute(batch);
        NDManager owner = out.loss().getManager();
        NDArray gateSum = model.gateSum(owner); // sum_l gamma_l, scalar
        double pairs = batch.batchSize();
        NDArray pairsConstant = owner.full(new Shape(), (float) pairs, gateSum.getDataType());
        NDArray lambdaConstant = owner.full(new Shape(), (float) lambda, gateSum.getDataType());
        List<LossTerm> terms = new ArrayList<>(out.terms());
        terms.add(new LossTerm("ila_gate_penalty", gateSum.mul(pairsConstant), Normalization.PAIRS, pairs, lambda));
        NDArray loss = out.loss().add(gateSum.mul(lambdaConstant)); // L_task + lambda * sum_l gamma_l
        Map<String, Float> metrics = new LinkedHashMap<>(out.metrics());
        float sum = gateSum.getFloat();
        metrics.put("loss", loss.getFloat());
        metrics.put("ila/gate_sum", sum);
        metrics.put("ila/penalty", (float) (lambda * sum));
        return new ObjectiveOutput(loss, metrics, terms);
    }

    @Override
    public ObjectiveConfig config() {
        return task.config();
    }

    @Override
    public String name() {
        return task.name() + "+ila_gate_penalty";
    }

    @Override
    public boolean requiresReference() {
        return task.requiresReference();
    }

    @Override
    public boolean requiresChosen() {
        return task.requiresChosen();
    }

    @Override
    public boolean requiresRejected() {
        return task.requiresRejected();
    }

    @Override
    public Map<String, double[]> saveState() {
        return task.saveState();
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        task.restoreState(state);
    }
}
