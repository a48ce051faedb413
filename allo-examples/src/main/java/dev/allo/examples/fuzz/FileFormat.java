package dev.allo.examples.fuzz;

/** How a target's file is laid out, which decides the structure-aware mutations applied to it. */
public enum FileFormat {
    /** Opaque bytes: only byte-level mutations, plus overwritten 4- and 8-byte size fields. */
    BINARY,
    /** One JSON document: byte-level and JSON-aware mutations. */
    JSON,
    /** JSON Lines: byte-level mutations, JSON-aware mutations of one line, and whole-line edits. */
    JSONL,
    /** Safetensors: byte-level mutations and JSON-aware mutations of the header, its length prefix kept right. */
    SAFETENSORS
}
