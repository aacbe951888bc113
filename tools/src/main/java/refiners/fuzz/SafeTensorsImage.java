package refiners.fuzz;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;

/**
 * A safetensors file taken apart for mutation: the JSON header as a tree (tensor entries and __metadata__) and the
 * data area as bytes. {@link #bytes()} puts it back together as the format says (8-byte little-endian header length,
 * header, data).
 */
final class SafeTensorsImage {
    static final ObjectMapper JSON = new ObjectMapper();

    final ObjectNode header;
    byte[] data;

    SafeTensorsImage(ObjectNode header, byte[] data) {
        this.header = header;
        this.data = data;
    }

    /** The image of a valid file holding {@code tensors} in order. */
    static SafeTensorsImage of(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        tensors.forEach((name, t) -> {
            ObjectNode e = header.putObject(name);
            e.put("dtype", t.dtype().safetensorsName);
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            byte[] bytes = new byte[(int) t.byteSize()];
            t.data().get(bytes);
            e.putArray("data_offsets").add(data.size()).add(data.size() + bytes.length);
            data.writeBytes(bytes);
        });
        return new SafeTensorsImage(header, data.toByteArray());
    }

    SafeTensorsImage copy() {
        return new SafeTensorsImage(header.deepCopy(), data.clone());
    }

    /** Names of the tensor entries (metadata left out). */
    List<String> tensorNames() {
        List<String> out = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) out.add(n);
        });
        return out;
    }

    ObjectNode entry(String name) {
        return (ObjectNode) header.get(name);
    }

    byte[] headerBytes() {
        try {
            return JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] bytes() {
        return assemble(headerBytes(), data);
    }

    /** A file from raw parts, declaring the header's true length. */
    static byte[] assemble(byte[] header, byte[] data) {
        return assemble(header, data, header.length);
    }

    /** A file from raw parts, declaring {@code declaredLength} (any 64-bit value) as the header's length. */
    static byte[] assemble(byte[] header, byte[] data, long declaredLength) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        return b.array();
    }
}
