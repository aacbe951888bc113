package refiners.fluxion.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/**
 * A memory-mapped safetensors file. The header is validated strictly when the file is opened (sizes, offsets, overlap),
 * so a corrupt or hostile file gives a {@link SafeTensorsException} naming the file and tensor rather than a crash.
 * Tensors returned by {@link #get} are read-only views of the mapping: nothing is copied.
 */
public final class SafeTensors implements AutoCloseable {
    /** Same bound as the reference implementation: a header larger than this is refused before it is read. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public record Info(String name, DType dtype, long[] shape, long begin, long end) {
        public long numel() { return Tensor.numel(shape); }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Info> infos;
    private final Map<String, String> metadata;

    private SafeTensors(Path path, FileChannel channel, long dataStart, Map<String, Info> infos, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.infos = infos;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SafeTensorsException(path + ": cannot open (" + e.getMessage() + ")", e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafeTensors parse(Path path, FileChannel ch) {
        try {
            long fileSize = ch.size();
            if (fileSize < 8) throw new SafeTensorsException(path + ": " + fileSize + " bytes, too short for a safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8)
                throw new SafeTensorsException(path + ": header length " + Long.toUnsignedString(headerLen) + " does not fit the file (" + fileSize + " bytes)");
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (IOException e) {
                throw new SafeTensorsException(path + ": header is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
            }
            if (!(root instanceof ObjectNode))
                throw new SafeTensorsException(path + ": header is not a JSON object");
            long dataSize = fileSize - 8 - headerLen;
            Map<String, Info> infos = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) throw new SafeTensorsException(path + ": __metadata__ is not an object");
                    e.getValue().fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual()) throw new SafeTensorsException(path + ": metadata '" + m.getKey() + "' is not a string");
                        metadata.put(m.getKey(), m.getValue().asText());
                    });
                    continue;
                }
                infos.put(e.getKey(), info(path, e.getKey(), e.getValue(), dataSize));
            }
            checkNoOverlap(path, infos.values());
            return new SafeTensors(path, ch, 8 + headerLen, Collections.unmodifiableMap(infos), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new SafeTensorsException(path + ": read failed (" + e.getMessage() + ")", e);
        }
    }

    private static Info info(Path path, String name, JsonNode n, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        if (!n.isObject()) throw new SafeTensorsException(where + " is not described by an object");
        JsonNode dt = n.get("dtype"), sh = n.get("shape"), off = n.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new SafeTensorsException(where + " has no dtype");
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null) throw new SafeTensorsException(where + " has unsupported dtype " + dt.asText());
        if (sh == null || !sh.isArray()) throw new SafeTensorsException(where + " has no shape");
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) throw new SafeTensorsException(where + " has invalid dimension " + d);
            shape[i] = d.asLong();
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
            throw new SafeTensorsException(where + " has invalid data_offsets " + off);
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize)
            throw new SafeTensorsException(where + " has data_offsets [" + begin + ", " + end + "] outside the data area (" + dataSize + " bytes)");
        long expected;
        try {
            expected = Math.multiplyExact(Tensor.numel(shape), dtype.size);
        } catch (ArithmeticException e) {
            throw new SafeTensorsException(where + " shape " + Arrays.toString(shape) + " overflows");
        }
        if (end - begin != expected)
            throw new SafeTensorsException(where + " holds " + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        return new Info(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path path, Iterable<Info> infos) {
        List<Info> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
        for (int i = 1; i < sorted.size(); i++) {
            Info a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end())
                throw new SafeTensorsException(path + ": tensors '" + a.name() + "' and '" + b.name() + "' overlap");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new IOException("unexpected end of file");
            pos += n;
        }
        buf.flip();
    }

    public Path path() { return path; }

    /** Tensor names in header order. */
    public List<String> keys() { return new ArrayList<>(infos.keySet()); }

    public boolean contains(String name) { return infos.containsKey(name); }

    public Info info(String name) {
        Info i = infos.get(name);
        if (i == null) throw new SafeTensorsException(path + ": no tensor '" + name + "'");
        return i;
    }

    public Map<String, Info> infos() { return infos; }

    public Map<String, String> metadata() { return metadata; }

    /** Where a tensor's bytes start in the file: the offset of the {@link Tensor.Origin} that {@link #get} gives it. */
    public long offset(String name) {
        return dataStart + info(name).begin();
    }

    /** A zero-copy, read-only, memory-mapped view of one tensor. */
    public Tensor get(String name) {
        Info i = info(name);
        long len = i.end() - i.begin();
        if (len > Integer.MAX_VALUE) throw new SafeTensorsException(path + ": tensor '" + name + "' is larger than 2 GiB");
        try {
            ByteBuffer buf = len == 0 ? ByteBuffer.allocateDirect(0) : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + i.begin(), len);
            return new Tensor(i.dtype(), i.shape(), buf.order(ByteOrder.LITTLE_ENDIAN),
                    new Tensor.Origin(path.toAbsolutePath(), offset(name)));
        } catch (IOException e) {
            throw new SafeTensorsException(path + ": cannot map tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Every tensor, in header order, as mapped views. */
    public Map<String, Tensor> all() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : infos.keySet()) out.put(k, get(k));
        return out;
    }

    @Override
    public void close() {
        // Mapped buffers stay valid after the channel closes; they are released when unreachable.
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }
}
