package refiners.fluxion.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import refiners.fluxion.Tensor;

/** Writes safetensors files: header padded to 8 bytes, tensors in the given order, written atomically. */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {}

    public static void write(Path path, Map<String, Tensor> tensors) {
        write(path, tensors, Map.of());
    }

    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Entry> entries = new java.util.LinkedHashMap<>();
        tensors.forEach((k, t) -> entries.put(k, new Entry(t.dtype(), t.shape(), () -> t)));
        writeLazily(path, entries, metadata);
    }

    /** A tensor to write, produced only when its turn comes (so a multi-GB file never sits in memory at once). */
    public record Entry(refiners.fluxion.DType dtype, long[] shape, java.util.function.Supplier<Tensor> data) {
        long bytes() {
            return Tensor.numel(shape) * dtype.size;
        }
    }

    public static void writeLazily(Path path, Map<String, Entry> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            Entry t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.dtype().safetensorsName);
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            ArrayNode off = n.putArray("data_offsets");
            off.add(offset);
            offset += t.bytes();
            off.add(offset);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SafeTensorsException(path + ": cannot encode header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                writeFully(ch, head);
                for (Map.Entry<String, Entry> e : tensors.entrySet()) {
                    Tensor t = e.getValue().data().get();
                    if (t.byteSize() != e.getValue().bytes() || t.dtype() != e.getValue().dtype())
                        throw new SafeTensorsException(path + ": tensor '" + e.getKey() + "' does not match its declared dtype and shape");
                    writeFully(ch, t.data());
                }
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
            throw new SafeTensorsException(path + ": write failed (" + e.getMessage() + ")", e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
