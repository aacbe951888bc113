package refiners.fluxion.compile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * Convolution weights in ONNX Runtime's blocked layout (OIHWBiBo: blocks of B output x B input channels, the one its
 * com.microsoft.nchwc.Conv kernel reads), written once into the refiners cache directory beside nothing else and
 * memory-mapped from there, so a session over them still copies no weight. Only weights that live in a file are
 * blocked: the cached copy is named after that file (path, size, modification time) and the tensor's offset in it.
 */
final class NchwcWeights {
    private static final java.util.Map<Path, java.lang.ref.WeakReference<Tensor>> MAPPED = new java.util.concurrent.ConcurrentHashMap<>();

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    /** In each cache directory: the weight file it copies. */
    private static final String SOURCE = "source";

    private NchwcWeights() {}

    /** Whether {@code w} can be served blocked: float32 (O, I, kh, kw) read from a file, channels multiples of block. */
    static boolean supports(Tensor w, int block) {
        return w.origin() != null && w.dtype() == DType.F32 && w.rank() == 4 && w.dim(0) % block == 0 && w.dim(1) % block == 0;
    }

    /**
     * The blocked copy of {@code w}, mapped from the cache (written there first if missing); null when the cache
     * cannot be written (read-only home, full disk): the convolution then stays a plain Conv.
     */
    static Tensor blocked(Tensor w, int block) {
        if (!supports(w, block)) throw new IllegalArgumentException("cannot block " + w + " by " + block);
        try {
            Path source = w.origin().file();
            BasicFileAttributes a = Files.readAttributes(source, BasicFileAttributes.class);
            String identity = source.toAbsolutePath() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
            long[] s = w.shape();
            Path dir = DetInit.cacheDirectory().resolve("nchwc-v1").resolve("b" + block).resolve(source.getFileName() + "-" + digest(identity));
            if (!Files.isDirectory(dir)) open(dir, identity);
            Path file = dir.resolve(w.origin().offset() + "-" + s[0] + "x" + s[1] + "x" + s[2] + "x" + s[3] + ".f32");
            java.lang.ref.WeakReference<Tensor> ref = MAPPED.get(file);
            Tensor mapped = ref == null ? null : ref.get();
            if (mapped != null) return mapped; // one mapping per file: mapping it again would count its pages twice in RSS
            if (!Files.exists(file) || Files.size(file) != w.byteSize()) write(file, reorder(w, block));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, w.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
                mapped = new Tensor(DType.F32, s, b, new Tensor.Origin(file.toAbsolutePath(), 0));
                MAPPED.put(file, new java.lang.ref.WeakReference<>(mapped));
                return mapped;
            }
        } catch (IOException | UncheckedIOException e) {
            if (!WARNED.getAndSet(true))
                System.getLogger(NchwcWeights.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot keep blocked convolution weights in " + DetInit.cacheDirectory() + " (" + e.getMessage() + "): plain convolutions instead");
            return null;
        }
    }

    /**
     * Starts the cache directory of a weight file, recording which file (path, size, modification time) it copies,
     * and removes the directories of files that are gone or changed since: without that every rewritten or temporary
     * weight file (tests write many) would leave gigabytes behind. A process still mapping a removed copy keeps it.
     */
    private static void open(Path dir, String identity) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(SOURCE), identity);
        try (var siblings = Files.list(dir.getParent())) {
            for (Path other : siblings.toList()) {
                Path record = other.resolve(SOURCE);
                if (other.equals(dir) || !Files.isRegularFile(record) || current(Files.readString(record))) continue;
                try (var files = Files.list(other)) {
                    for (Path f : files.toList()) Files.deleteIfExists(f);
                }
                Files.deleteIfExists(other);
            }
        } catch (IOException e) {
            // another process is pruning the same directory: it will finish
        }
    }

    /** Whether a recorded "path|size|mtime" still describes the file at that path. */
    private static boolean current(String identity) {
        String[] p = identity.split("\\|");
        if (p.length < 3) return true; // not ours to judge
        try {
            Path f = Path.of(String.join("|", java.util.Arrays.copyOf(p, p.length - 2)));
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            return Long.toString(a.size()).equals(p[p.length - 2]) && Long.toString(a.lastModifiedTime().toMillis()).equals(p[p.length - 1]);
        } catch (IOException | RuntimeException e) {
            return false; // gone
        }
    }

    /** OIHW -> [O/B][I/B][kh*kw][B input][B output], as MLAS's OIHWBiBo filter reorder lays it out. */
    static float[] reorder(Tensor w, int block) {
        int o = (int) w.dim(0), in = (int) w.dim(1), k = (int) (w.dim(2) * w.dim(3));
        float[] src = w.toFloatArray(), dst = new float[src.length];
        int d = 0;
        for (int ob = 0; ob < o; ob += block)
            for (int ib = 0; ib < in; ib += block)
                for (int kk = 0; kk < k; kk++)
                    for (int bi = 0; bi < block; bi++)
                        for (int bo = 0; bo < block; bo++)
                            dst[d++] = src[((ob + bo) * in + ib + bi) * k + kk];
        return dst;
    }

    private static void write(Path file, float[] values) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) ch.write(b);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
