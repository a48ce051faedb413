package dev.allo.impl.train;

import dev.allo.AlloException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The per-file checksums a stage checkpoint's {@code state.json} records: for every other file of the checkpoint
 * directory (recursively, by its {@code /}-separated relative path) its size in bytes and the CRC32 of its content.
 * The model and optimiser files stay plain safetensors, loadable by any reader; the checkpoint is trusted only when
 * every listed file is present with its size and checksum and no unlisted file is present.
 */
final class CheckpointFiles {
    private static final int BUFFER = 1 << 20;

    /**
     * One file's record.
     *
     * @param bytes the size in bytes
     * @param crc32 the CRC32 of the content
     */
    record Entry(long bytes, long crc32) {}

    private CheckpointFiles() {}

    /**
     * Lists and checksums every regular file under {@code directory} except {@code excluded}.
     *
     * @param directory the checkpoint directory
     * @param excluded the relative path left out (the state file itself)
     * @return relative path to entry, sorted by path
     * @throws IOException if a file cannot be read
     */
    static Map<String, Entry> compute(Path directory, String excluded) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (String name : list(directory)) {
            if (!name.equals(excluded)) {
                out.put(name, checksum(directory.resolve(name)));
            }
        }
        return out;
    }

    /**
     * Checks that the directory holds exactly the listed files (besides {@code excluded}) with their sizes and
     * checksums.
     *
     * @param directory the checkpoint directory
     * @param excluded the relative path left out (the state file itself)
     * @param expected the recorded entries
     * @throws AlloException naming the checkpoint, the file and the expected and found value on any difference
     */
    static void verify(Path directory, String excluded, Map<String, Entry> expected) {
        try {
            List<String> present = list(directory);
            present.remove(excluded);
            for (String name : present) {
                if (!expected.containsKey(name)) {
                    throw new AlloException("stage checkpoint " + directory + " holds file " + name
                            + ", which its " + excluded + " does not list");
                }
            }
            for (Map.Entry<String, Entry> e : expected.entrySet()) {
                Path file = directory.resolve(e.getKey());
                if (!Files.isRegularFile(file)) {
                    throw new AlloException("stage checkpoint " + directory + " is missing file " + e.getKey()
                            + ", which its " + excluded + " lists");
                }
                long size = Files.size(file);
                if (size != e.getValue().bytes()) {
                    throw new AlloException("stage checkpoint file " + file + " has " + size + " bytes, "
                            + excluded + " records " + e.getValue().bytes());
                }
                Entry found = checksum(file);
                if (found.crc32() != e.getValue().crc32()) {
                    throw new AlloException(String.format("stage checkpoint file %s is corrupted: CRC32 %08x,"
                            + " %s records %08x", file, found.crc32(), excluded, e.getValue().crc32()));
                }
            }
        } catch (IOException e) {
            throw new AlloException("cannot read stage checkpoint " + directory + ": " + e, e);
        }
    }

    private static Entry checksum(Path file) throws IOException {
        CRC32 crc = new CRC32();
        long bytes = 0;
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                crc.update(buffer, 0, n);
                bytes += n;
            }
        }
        return new Entry(bytes, crc.getValue());
    }

    private static List<String> list(Path directory) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.walk(directory)) {
            files.filter(Files::isRegularFile)
                    .forEach(f -> names.add(directory.relativize(f).toString().replace('\\', '/')));
        }
        Collections.sort(names);
        return names;
    }
}
