/**
 * A mutation fuzzer for every file the library loads: valid seed files are written with the library's own writers,
 * mutated (bit flips, byte inserts and deletes, truncation, extension, overwritten size fields, and JSON-aware edits
 * such as huge numbers, deep nesting, long strings and names, wrong types, nulls and missing fields), and loaded
 * through the public API. Each case ends as one {@link dev.allo.examples.fuzz.Outcome}: loaded, refused with a clean
 * error naming the file, or a failure (another exception type, an error without the file's name, out of memory, or
 * no answer within the time limit). {@link dev.allo.examples.fuzz.FuzzMain} runs a long campaign; new file kinds
 * plug in as {@link dev.allo.examples.fuzz.FuzzTarget}s.
 */
package dev.allo.examples.fuzz;
