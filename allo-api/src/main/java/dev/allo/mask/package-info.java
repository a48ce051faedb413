/**
 * Key-neuron masks (ALLO Eq. 1 and Sec. 4.1): a {@link dev.allo.mask.NeuronMask} lists the selected scalar weights
 * of every tensor; a {@link dev.allo.mask.MaskSelector} makes one from importance scores (exact global top-k,
 * per-tensor top-k, last-k, random; {@code ceil(k * n)} scalars, ties by tensor order then flat index), restricted
 * by a {@link dev.allo.mask.TensorFilter}. Masks are saved in a checksummed binary file or exported to safetensors
 * ({@link dev.allo.mask.MaskExportType}) for Python.
 */
package dev.allo.mask;
