/**
 * The stock preference objectives on DJL ops: ALLO's token-level NPO (Eq. 7) and token-weighted DPO with the
 * noisy-token filter (Eq. 8-9), and the DPO family (DPO, cDPO, IPO, R-DPO, SimPO, NPO, hinge, BCO-pair, SFT).
 *
 * <p>Users build them with {@link dev.allo.objective.PreferenceObjective#of(dev.allo.objective.ObjectiveConfig)};
 * {@link dev.allo.impl.objective.DjlObjectiveProvider} is the service the API finds. Every objective validates its
 * inputs once ({@code BatchValidator}), zeroes prompt and padding positions with {@code where} so that no value
 * there reaches a loss or a gradient, computes its loss terms on the device, and reads its metrics back in one
 * transfer.
 */
package dev.allo.impl.objective;
