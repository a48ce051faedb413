package dev.allo.mask;

/** The element type of the 0/1 tensors written by {@link NeuronMask#exportSafetensors}. */
public enum MaskExportType {
    /** One unsigned byte per scalar (safetensors dtype {@code U8}): 1 selected, 0 not. */
    U8,
    /** One little-endian float32 per scalar (safetensors dtype {@code F32}): 1.0 selected, 0.0 not. */
    F32
}
