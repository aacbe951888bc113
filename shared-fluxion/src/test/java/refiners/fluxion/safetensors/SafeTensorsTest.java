package refiners.fluxion.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripAllDtypes() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", Tensor.ofFloats(new long[] {2, 2}, 1, 2, 3, 4));
        in.put("f64", Tensor.ofDoubles(new long[] {3}, 1.5, -2, 1e-300));
        in.put("i64", Tensor.ofLongs(new long[] {2}, Long.MAX_VALUE, -1));
        in.put("i32", Tensor.ofInts(new long[] {1}, 7));
        in.put("f16", Tensor.ofFloats(new long[] {3}, 0.5f, -2f, 65504f).to(DType.F16));
        in.put("bf16", Tensor.ofFloats(new long[] {2}, 1f, -3f).to(DType.BF16));
        in.put("empty", Tensor.zeros(DType.F32, 0, 4));
        Path p = dir.resolve("t.safetensors");
        SafeTensorsWriter.write(p, in, Map.of("format", "pt"));
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(in.keySet().stream().toList(), st.keys());
            assertEquals("pt", st.metadata().get("format"));
            assertArrayEquals(new float[] {1, 2, 3, 4}, st.get("f32").toFloatArray());
            assertArrayEquals(new double[] {1.5, -2, 1e-300}, st.get("f64").toDoubleArray());
            assertArrayEquals(new long[] {Long.MAX_VALUE, -1}, st.get("i64").toLongArray());
            assertArrayEquals(new float[] {0.5f, -2f, 65504f}, st.get("f16").toFloatArray());
            assertArrayEquals(new float[] {1f, -3f}, st.get("bf16").toFloatArray());
            assertArrayEquals(new long[] {0, 4}, st.get("empty").shape());
        }
    }

    private Path raw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve("bad-" + System.nanoTime() + ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private void rejects(Path p, String... fragments) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), e.getMessage());
    }

    @Test
    void strictValidation() throws IOException {
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", new byte[8]), "JSON");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", new byte[8]), "'a'", "needs 16");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[8]), "'a'", "outside");
        rejects(raw("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "'a'", "Q4");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]), "'a'");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", new byte[8]), "'a'");
        rejects(raw("[1,2]", new byte[0]), "object");
        // A header length far beyond the file: refused before any allocation.
        Path huge = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 3).putLong(0);
        Files.write(huge, b.array());
        rejects(huge, "header length");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[3]);
        rejects(tiny, "too short");
    }
}
