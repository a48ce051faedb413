package dev.allo.examples.fuzz;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * One kind of file to fuzz: how to write a valid seed (and the valid files it needs beside it), and how the library
 * loads it. Implementations must be deterministic: {@link #prepare} writes the same bytes every time.
 */
public interface FuzzTarget {
    /**
     * A short name for reports, e.g. {@code "safetensors"}.
     *
     * @return the name
     */
    String name();

    /**
     * The name of the file that is mutated, inside the case directory, e.g. {@code "model.safetensors"}.
     *
     * @return the file name
     */
    String fileName();

    /**
     * The file's layout, which picks the structure-aware mutations.
     *
     * @return the format
     */
    FileFormat format();

    /**
     * Writes the valid seed file {@link #fileName()} and every companion file a load needs into an empty directory.
     * Companions, files or directories, are copied unchanged into every case directory.
     *
     * @param directory the template directory
     * @throws IOException if writing fails
     */
    void prepare(Path directory) throws IOException;

    /**
     * Loads the file through the library's public API, using it as a caller would (reading the tensors, encoding a
     * text), and releases everything it loaded.
     *
     * @param file the (possibly mutated) file, inside its case directory
     * @throws Exception whatever the library throws
     */
    void load(Path file) throws Exception;

    /**
     * A mutation that knows this file's layout beyond its {@link #format()}, for example one that sets a declared
     * size and the count that must match it together. The mutator uses it for a third of the cases when it returns
     * bytes.
     *
     * @param seed the valid file
     * @param rng the case's random source
     * @param log where the mutation's description is appended
     * @return the mutated bytes, or {@code null} (the default) when the target has no such mutation
     */
    default byte[] mutateLayout(byte[] seed, Random rng, StringBuilder log) {
        return null;
    }

    /**
     * Makes a mutated file pass an integrity check that would otherwise hide the mutation (a checksum), so that the
     * checks behind it are exercised too. The runner applies it to half of the cases.
     *
     * @param bytes the mutated bytes
     * @return the repaired bytes; by default unchanged
     */
    default byte[] repair(byte[] bytes) {
        return bytes;
    }
}
