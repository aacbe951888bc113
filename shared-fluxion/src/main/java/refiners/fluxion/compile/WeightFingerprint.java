package refiners.fluxion.compile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a weight file holds, in 12 hex digits: a hash of its size, its first MiB (a safetensors header names every
 * tensor, shape and offset) and 64 slices of 4 KiB spread over the rest. Hard links, copies and moves of one file share
 * it (so they share one blocked copy); a file rewritten with other weights gets another. Read with positional reads,
 * not through a mapping: the bytes go through the page cache without counting in this process's resident memory.
 */
final class WeightFingerprint {
    private static final int HEAD = 1 << 20, SLICE = 4096, SLICES = 64;
    /** Per file (path, inode, size, modification time): hashed once per process, although every tensor asks. */
    private static final Map<String, String> KNOWN = new ConcurrentHashMap<>();

    private WeightFingerprint() {}

    static String of(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        String key = file.toAbsolutePath() + "|" + a.fileKey() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
        String known = KNOWN.get(key);
        if (known != null) return known;
        String fingerprint = compute(file, a.size());
        KNOWN.put(key, fingerprint);
        return fingerprint;
    }

    private static String compute(Path file, long size) throws IOException {
        MessageDigest sha = sha256();
        sha.update(ByteBuffer.allocate(8).putLong(0, size));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            hash(ch, sha, 0, (int) Math.min(size, HEAD));
            long rest = size - HEAD;
            if (rest > 0)
                for (int i = 0; i < SLICES; i++) hash(ch, sha, HEAD + rest * i / SLICES, (int) Math.min(SLICE, rest - rest * i / SLICES));
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 6);
    }

    private static void hash(FileChannel ch, MessageDigest sha, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining() && ch.read(b, position + b.position()) >= 0) {
            // positional reads until the slice is full or the file ends
        }
        sha.update(b.flip());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
