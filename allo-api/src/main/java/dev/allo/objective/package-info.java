/**
 * Preference objectives: the contract between per-token log-probabilities and a scalar training loss.
 *
 * <p>An objective receives a {@link dev.allo.objective.PreferenceBatchLogProbs} (per-token policy and, when needed,
 * reference log-probs, response masks and token weights for the chosen and rejected responses) and returns an
 * {@link dev.allo.objective.ObjectiveOutput}: the loss with its gradient graph, TRL-named metrics and the
 * normalisation of each loss term, which a training loop uses to make accumulated micro-batches equal one large
 * batch. Stock objectives are described by the {@link dev.allo.objective.ObjectiveConfig} records and built with
 * {@link dev.allo.objective.PreferenceObjective#of(ObjectiveConfig)}, which finds the implementation (module
 * {@code allo-impl}) through {@link java.util.ServiceLoader}.
 *
 * <p>Notation used throughout: {@code l_j} the policy log-prob of response token {@code j}, {@code lref_j} the
 * reference log-prob, {@code rho_j = l_j - lref_j}, {@code m_j} the response mask, {@code w_j} the token weight,
 * {@code n = sum_j m_j} the response length, {@code S = sum_j m_j w_j rho_j} the weighted sequence log-ratio,
 * {@code h = S+ - S-}. Sums run over response tokens only.
 */
package dev.allo.objective;
