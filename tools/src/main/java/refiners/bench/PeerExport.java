package refiners.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * The speed yardstick of ../shared/peer: refiners' SD1UNet exported by torch.onnx. Its 3.4 GB of weights are rebuilt
 * once from detinit following weights.json (each entry: detinit(key, key_shape, seed), transposed when asked, at its
 * offset) into the refiners cache directory, beside a copy of the graph; the session is then created as a plain user
 * would: default session options, only the thread count set.
 */
public final class PeerExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path model;
    private final long weightBytes;

    private PeerExport(Path model, long weightBytes) {
        this.model = model;
        this.weightBytes = weightBytes;
    }

    /** The export in {@code dir} (unet.onnx + weights.json), its weights.bin written into the cache if not there yet. */
    public static PeerExport materialize(Path dir) {
        Path graph = dir.resolve("unet.onnx"), recipe = dir.resolve("weights.json");
        if (!Files.isRegularFile(graph) || !Files.isRegularFile(recipe))
            throw new IllegalArgumentException("--peer " + dir + ": needs unet.onnx and weights.json (see ../shared/peer/README.md)");
        try {
            JsonNode json = JSON.readTree(recipe.toFile());
            long seed = json.path("seed").asLong(4); // the UNet's public detinit seed (the README's)
            long total = json.path("total_bytes").asLong(-1);
            if (total <= 0 || !json.path("initializers").isArray())
                throw new IllegalArgumentException(recipe + ": needs total_bytes and an initializers array");
            Path cached = DetInit.cacheDirectory().resolve("peer").resolve(dir.getFileName() + "-" + digest(graph, recipe));
            Path bin = cached.resolve("weights.bin"), onnx = cached.resolve("unet.onnx");
            if (!Files.exists(onnx)) atomically(onnx, tmp -> Files.copy(graph, tmp, StandardCopyOption.REPLACE_EXISTING));
            if (!Files.exists(bin) || Files.size(bin) != total) {
                System.out.printf("writing the peer's weights (%.2f GB, once) to %s%n", total / 1e9, bin);
                atomically(bin, tmp -> writeWeights(json.get("initializers"), seed, total, tmp));
            }
            return new PeerExport(onnx, total);
        } catch (IOException e) {
            throw new UncheckedIOException("--peer " + dir + ": " + e.getMessage(), e);
        }
    }

    public long weightBytes() {
        return weightBytes;
    }

    /** The file ONNX Runtime maps the weights from (to attribute its resident pages). */
    public Path weightsFile() {
        return model.resolveSibling("weights.bin");
    }

    /**
     * A session with default options but the thread count and device of {@code config}: on "cuda", the CUDA
     * execution provider with its defaults (needs the onnxruntime_gpu build).
     */
    public OrtSession session(RuntimeConfig config, String profilePrefix) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            if (config.intraOpThreads() > 0) o.setIntraOpNumThreads(config.intraOpThreads());
            if (config.device().equals("cuda")) o.addCUDA(config.cudaDevice());
            if (profilePrefix != null) o.enableProfiling(profilePrefix);
            return OrtEnvironment.getEnvironment().createSession(model.toString(), o);
        }
    }

    /** x (B, 4, H, W), timestep (1,) int64, clip (B, 77, 768): the export's three inputs. */
    public static Map<String, OnnxTensor> feeds(Tensor x, long timestep, Tensor clip) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        return Map.of("x", OnnxTensor.createTensor(env, x.data().order(ByteOrder.nativeOrder()).asFloatBuffer(), x.shape()),
                "timestep", OnnxTensor.createTensor(env, new long[] {timestep}),
                "clip", OnnxTensor.createTensor(env, clip.data().order(ByteOrder.nativeOrder()).asFloatBuffer(), clip.shape()));
    }

    private static void writeWeights(JsonNode initializers, long seed, long total, Path out) throws IOException {
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (JsonNode e : initializers) {
                String key = e.path("key").asText(null);
                long[] keyShape = longs(e.path("key_shape")), shape = longs(e.path("shape"));
                long offset = e.path("offset").asLong(-1), length = e.path("length").asLong(-1);
                String transform = e.path("transform").asText("");
                if (key == null || keyShape == null || shape == null || offset < 0 || !"float32".equals(e.path("dtype").asText()))
                    throw new IllegalArgumentException("weights.json entry " + e.path("name").asText("?") + ": needs key, key_shape, shape, offset and dtype float32");
                if (length != 4 * Tensor.numel(keyShape) || Tensor.numel(keyShape) != Tensor.numel(shape) || offset + length > total)
                    throw new IllegalArgumentException("weights.json entry " + key + ": length " + length + " does not match key_shape or total_bytes");
                Tensor t = DetInit.tensor(key, keyShape, seed);
                ByteBuffer bytes = switch (transform) {
                    case "identity" -> t.data();
                    case "transpose" -> transposed(t);
                    default -> throw new IllegalArgumentException("weights.json entry " + key + ": unknown transform '" + transform + "'");
                };
                for (long pos = offset; bytes.hasRemaining(); ) pos += ch.write(bytes, pos);
            }
            if (ch.size() != total) throw new IllegalArgumentException("weights.json: the entries cover " + ch.size() + " bytes, total_bytes says " + total);
        }
    }

    /** A 2-D float32 tensor's transpose, as little-endian bytes. */
    private static ByteBuffer transposed(Tensor t) {
        if (t.rank() != 2) throw new IllegalArgumentException("transpose of a rank-" + t.rank() + " tensor");
        int rows = (int) t.dim(0), cols = (int) t.dim(1);
        FloatBuffer in = t.data().asFloatBuffer();
        ByteBuffer out = ByteBuffer.allocate(4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer o = out.asFloatBuffer();
        for (int j = 0; j < cols; j++) for (int i = 0; i < rows; i++) o.put(in.get(i * cols + j));
        return out;
    }

    private static long[] longs(JsonNode a) {
        if (!a.isArray()) return null;
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asLong();
        return r;
    }

    private interface Writer {
        void write(Path tmp) throws IOException;
    }

    /** Written beside as a temporary file, then moved into place: a reader sees the whole file or none. */
    private static void atomically(Path target, Writer w) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            w.write(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Names the cached copy after the graph and recipe it was made from, so a changed peer is rebuilt. */
    private static String digest(Path... files) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files) md.update(Files.readAllBytes(f));
            return HexFormat.of().formatHex(md.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
