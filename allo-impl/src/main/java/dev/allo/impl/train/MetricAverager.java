package dev.allo.impl.train;

import dev.allo.data.TokenizedPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averages an objective's per-micro-batch metrics over a whole batch: each micro-batch's value weighted by its pairs,
 * except the token means ({@code logits/chosen} and {@code nll_loss} by chosen response tokens, {@code logits/rejected}
 * and {@code tokens/*} by rejected response tokens), so the result equals the metric of the unsplit batch for every
 * mean of per-pair or per-token quantities. {@code loss} is not averaged: it is the sum of the micro-batches'
 * accumulation losses, which is the whole batch's loss.
 */
final class MetricAverager {
    private final Map<String, double[]> sums = new LinkedHashMap<>(); // name -> {weighted sum, total weight}
    private double loss;

    /** Adds one micro-batch's metrics and accumulation loss. */
    void add(Map<String, Float> metrics, double accumulationLoss, List<TokenizedPair> rows) {
        loss += accumulationLoss;
        double chosenTokens = 0;
        double rejectedTokens = 0;
        for (TokenizedPair p : rows) {
            chosenTokens += p.chosenIds().length;
            rejectedTokens += p.rejectedIds().length;
        }
        for (Map.Entry<String, Float> e : metrics.entrySet()) {
            String name = e.getKey();
            if (name.equals("loss")) {
                sums.putIfAbsent(name, new double[2]);
                continue;
            }
            double weight = name.equals("logits/chosen") || name.equals("nll_loss") ? chosenTokens
                    : name.equals("logits/rejected") || name.startsWith("tokens/") ? rejectedTokens : rows.size();
            double[] s = sums.computeIfAbsent(name, k -> new double[2]);
            s[0] += weight * e.getValue();
            s[1] += weight;
        }
    }

    /** The averaged metrics, in the objective's order, {@code loss} first when the objective reports it. */
    Map<String, Double> result() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            double[] s = e.getValue();
            out.put(e.getKey(), e.getKey().equals("loss") ? loss : s[0] / s[1]);
        }
        out.putIfAbsent("loss", loss);
        return out;
    }
}
