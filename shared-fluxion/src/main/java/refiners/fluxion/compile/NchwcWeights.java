package refiners.fluxion.compile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/**
 * Convolution weights in ONNX Runtime's blocked layout (OIHWBiBo: blocks of B output x B input channels, the one its
 * com.microsoft.nchwc.Conv kernel reads), memory-mapped from a file so that a session over them still copies no
 * weight: the copy `convert` wrote beside the weights (see {@link NchwcCache#writeBeside}), else one in the cache,
 * written there on first use. Only weights that live in a file are blocked.
 *
 * <p>The source is read with positional reads, a block of output channels at a time, not through its mapping: the
 * original convolution weights then pass through the page cache without ever counting in this process's resident
 * memory (which holds the copy instead), so a first start costs no more memory than a later one.
 */
final class NchwcWeights {
    private static final Map<Path, WeakReference<Tensor>> MAPPED = new ConcurrentHashMap<>();
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private NchwcWeights() {}

    /** Whether {@code w} can be served blocked: float32 (O, I, kh, kw) read from a file, channels multiples of block. */
    static boolean supports(Tensor w, int block) {
        return w.origin() != null && w.dtype() == DType.F32 && w.rank() == 4 && w.dim(0) % block == 0 && w.dim(1) % block == 0;
    }

    /**
     * The blocked copy of {@code w}, mapped (written to the cache first if there is none); null when the cache cannot
     * be written (read-only home, full disk): the convolution then stays a plain Conv.
     */
    static Tensor blocked(Tensor w, int block) {
        if (!supports(w, block)) throw new IllegalArgumentException("cannot block " + w + " by " + block);
        try {
            Path source = w.origin().file();
            String fingerprint = WeightFingerprint.of(source);
            Path file = NchwcCache.besideCopy(source, block, fingerprint).map(d -> d.resolve(name(w))).filter(f -> sized(f, w)).orElse(null);
            if (file == null) {
                file = NchwcCache.directory(source, block, fingerprint).resolve(name(w));
                if (!sized(file, w)) NchwcCache.written(write(w, block, file));
            }
            return map(file, w);
        } catch (IOException | UncheckedIOException e) {
            if (!WARNED.getAndSet(true))
                System.getLogger(NchwcWeights.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot keep blocked convolution weights in " + NchwcCache.root() + " (" + e.getMessage() + "): plain convolutions instead");
            return null;
        }
    }

    /** A copy's file name in its directory: the tensor's place in the source file and its shape. */
    static String name(Tensor w) {
        long[] s = w.shape();
        return w.origin().offset() + "-" + s[0] + "x" + s[1] + "x" + s[2] + "x" + s[3] + ".f32";
    }

    private static boolean sized(Path file, Tensor w) {
        try {
            return Files.size(file) == w.byteSize();
        } catch (IOException e) {
            return false;
        }
    }

    /** One mapping per file: mapping it again would count its pages twice in resident memory. */
    private static Tensor map(Path file, Tensor w) throws IOException {
        WeakReference<Tensor> ref = MAPPED.get(file);
        Tensor mapped = ref == null ? null : ref.get();
        if (mapped != null) return mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, w.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            mapped = new Tensor(DType.F32, w.shape(), b, new Tensor.Origin(file.toAbsolutePath(), 0));
            MAPPED.put(file, new WeakReference<>(mapped));
            return mapped;
        }
    }

    /**
     * Writes the blocked copy of {@code w} to {@code file} (through a temporary file, so that a reader never sees half
     * of it), one block of output channels at a time; the bytes written.
     */
    static long write(Tensor w, int block, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
        int in = (int) w.dim(1), k = (int) (w.dim(2) * w.dim(3));
        ByteBuffer src = ByteBuffer.allocate(4 * block * in * k).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst = ByteBuffer.allocate(src.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel from = FileChannel.open(w.origin().file(), StandardOpenOption.READ);
             FileChannel to = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (long position = w.origin().offset(), end = position + w.byteSize(); position < end; position += src.capacity()) {
                src.clear();
                while (src.hasRemaining())
                    if (from.read(src, position + src.position()) < 0) throw new IOException("weight file ends inside a tensor");
                reorderRows(src.flip().asFloatBuffer(), dst.clear().asFloatBuffer(), in, k, block);
                while (dst.hasRemaining()) to.write(dst);
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return w.byteSize();
    }

    /**
     * One block of output channels, OIHW rows [block][in][k] -> [in/B][k][B input][B output], as MLAS's OIHWBiBo
     * filter reorder lays them out.
     */
    static void reorderRows(FloatBuffer src, FloatBuffer dst, int in, int k, int block) {
        int d = 0;
        for (int ib = 0; ib < in; ib += block)
            for (int kk = 0; kk < k; kk++)
                for (int bi = 0; bi < block; bi++)
                    for (int bo = 0; bo < block; bo++)
                        dst.put(d++, src.get((bo * in + ib + bi) * k + kk));
    }
}
