package refiners.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ways a weight file is damaged, each aimed at one check of the readers: the header's length, encoding and JSON,
 * each tensor's dtype, shape and offsets, the data area, and (for the loaders) the tensors' names, shapes and values.
 */
enum Mutation {
    /** The declared header length runs past the end of the file. */
    HEADER_LENGTH_PAST_FILE {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            byte[] h = s.headerBytes();
            return SafeTensorsImage.assemble(h, s.data, h.length + s.data.length + 1 + r.nextInt(1 << 20));
        }
    },
    /** A huge header length (gigabytes up to 2^64 - 1, i.e. negative as a signed long). */
    HUGE_HEADER_LENGTH {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            long[] picks = {1L << 31, (1L << 32) + 7, Long.MAX_VALUE, -1L, Long.MIN_VALUE, 100L * 1024 * 1024 + 1, r.nextLong()};
            return SafeTensorsImage.assemble(s.headerBytes(), s.data, picks[r.nextInt(picks.length)]);
        }
    },
    /** A header length shorter than the JSON (the JSON is cut) or below 2. */
    SHORT_HEADER_LENGTH {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            byte[] h = s.headerBytes();
            return SafeTensorsImage.assemble(h, s.data, r.nextInt(h.length));
        }
    },
    /** Bytes that are not UTF-8 inside the header (in a key or a value). */
    NON_UTF8_HEADER {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            byte[] h = s.headerBytes();
            byte[][] bad = {{(byte) 0xff}, {(byte) 0xc3, 0x28}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xf0, (byte) 0x90, 0x28, (byte) 0xbc}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}};
            byte[] b = bad[r.nextInt(bad.length)];
            int at = quotedPosition(h, r);
            byte[] out = new byte[h.length + b.length];
            System.arraycopy(h, 0, out, 0, at);
            System.arraycopy(b, 0, out, at, b.length);
            System.arraycopy(h, at, out, at + b.length, h.length - at);
            return SafeTensorsImage.assemble(out, s.data);
        }
    },
    /** A header that is not a JSON object: garbage, cut JSON, another JSON type, trailing bytes. */
    NON_JSON_HEADER {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            byte[] h = s.headerBytes();
            byte[] out = switch (r.nextInt(6)) {
                case 0 -> randomBytes(r, 2 + r.nextInt(64));
                case 1 -> Arrays.copyOf(h, 2 + r.nextInt(Math.max(1, h.length - 2)));
                case 2 -> "[1, 2, 3]".getBytes(StandardCharsets.US_ASCII);
                case 3 -> "\"a string\"".getBytes(StandardCharsets.US_ASCII);
                case 4 -> (new String(h, StandardCharsets.UTF_8) + " {\"x\": 1}").getBytes(StandardCharsets.UTF_8);
                default -> "null".getBytes(StandardCharsets.US_ASCII);
            };
            return SafeTensorsImage.assemble(out, s.data);
        }
    },
    /** Deeply nested JSON (a parser that recurses without a limit overflows its stack). */
    DEEP_JSON {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            int depth = 2_000 + r.nextInt(200_000);
            String open = r.nextBoolean() ? "[" : "{\"a\":";
            String json = "{\"t\":" + open.repeat(depth) + "1" + (open.equals("[") ? "]" : "}").repeat(depth) + "}";
            return SafeTensorsImage.assemble(json.getBytes(StandardCharsets.US_ASCII), s.data);
        }
    },
    /** A tensor entry appears twice under the same key. */
    DUPLICATE_KEYS {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            String name = pick(s, r);
            String json = new String(s.headerBytes(), StandardCharsets.UTF_8);
            String entry = "\"" + name + "\":" + s.entry(name);
            String doubled = json.substring(0, json.length() - 1) + "," + entry + "}";
            return SafeTensorsImage.assemble(doubled.getBytes(StandardCharsets.UTF_8), s.data);
        }
    },
    /** data_offsets beyond the data area, reversed, negative or huge. */
    OFFSETS_OUT_OF_RANGE {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            ArrayNode off = (ArrayNode) m.entry(pick(m, r)).get("data_offsets");
            long size = m.data.length;
            long[][] picks = {{size + 1, size + 5}, {0, size + 1 + r.nextInt(100)}, {8, 4}, {-8, 4}, {0, Long.MAX_VALUE}, {Long.MAX_VALUE - 3, Long.MAX_VALUE}, {size, size + 4}};
            long[] p = picks[r.nextInt(picks.length)];
            off.set(0, p[0]);
            off.set(1, p[1]);
            return m.bytes();
        }
    },
    /** Two tensors share bytes. */
    OVERLAPPING_OFFSETS {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            List<String> names = m.tensorNames();
            ArrayNode a = (ArrayNode) m.entry(names.get(0)).get("data_offsets");
            ArrayNode b = (ArrayNode) m.entry(names.get(1 + r.nextInt(names.size() - 1))).get("data_offsets");
            long len = b.get(1).asLong() - b.get(0).asLong();
            long begin = Math.max(0, a.get(1).asLong() - 1 - r.nextInt((int) Math.max(1, a.get(1).asLong() - a.get(0).asLong())));
            b.set(0, begin);
            b.set(1, begin + len);
            return m.bytes();
        }
    },
    /** A dtype or shape whose byte count differs from the data_offsets span. */
    DTYPE_SHAPE_MISMATCH {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            ObjectNode e = m.entry(pick(m, r));
            if (r.nextBoolean()) {
                String[] dtypes = {"F32", "F16", "BF16", "F64", "I64", "I32", "I8", "U8", "BOOL"};
                e.put("dtype", dtypes[r.nextInt(dtypes.length)]);
            } else {
                ArrayNode shape = e.putArray("shape");
                int rank = r.nextInt(5);
                for (int i = 0; i < rank; i++) shape.add(r.nextInt(9));
            }
            return m.bytes();
        }
    },
    /** Shapes whose element count overflows 64 bits, dimensions that are negative, fractional or not numbers. */
    SHAPE_OVERFLOW {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            ArrayNode shape = m.entry(pick(m, r)).putArray("shape");
            switch (r.nextInt(6)) {
                case 0 -> shape.add(1L << 32).add(1L << 32);
                case 1 -> shape.add(Long.MAX_VALUE).add(2);
                case 2 -> shape.add(-1).add(-4);
                case 3 -> shape.add(new java.math.BigInteger("123456789012345678901234567890"));
                case 4 -> shape.add(2.5);
                default -> shape.add("3");
            }
            return m.bytes();
        }
    },
    /** A dtype the reader does not know (or not a string). */
    UNKNOWN_DTYPE {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            ObjectNode e = m.entry(pick(m, r));
            String[] names = {"F8_E4M3", "Q4_0", "f32", "", "U64", "C64"};
            if (r.nextInt(4) == 0) e.put("dtype", 32);
            else e.put("dtype", names[r.nextInt(names.length)]);
            return m.bytes();
        }
    },
    /** Values of the wrong JSON type: an entry that is no object, missing fields, metadata that is no string map. */
    WRONG_JSON_TYPES {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            String name = pick(m, r);
            ObjectNode e = m.entry(name);
            switch (r.nextInt(7)) {
                case 0 -> m.header.put(name, 42);
                case 1 -> e.remove("dtype");
                case 2 -> e.remove("shape");
                case 3 -> e.remove("data_offsets");
                case 4 -> e.putArray("data_offsets").add(0);
                case 5 -> m.header.putObject("__metadata__").putArray("format").add("x");
                default -> e.put("data_offsets", "0,4");
            }
            return m.bytes();
        }
    },
    /** The same bytes under another valid dtype or shape (the reader accepts it: the loaders must check). */
    REINTERPRETED_TENSOR {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            ObjectNode e = m.entry(pick(m, r));
            long bytes = e.get("data_offsets").get(1).asLong() - e.get("data_offsets").get(0).asLong();
            String[][] dtypes = {{"F32", "4"}, {"F16", "2"}, {"BF16", "2"}, {"I32", "4"}, {"I64", "8"}, {"U8", "1"}, {"BOOL", "1"}, {"F64", "8"}};
            String[] d = dtypes[r.nextInt(dtypes.length)];
            if (bytes % Integer.parseInt(d[1]) != 0) d = dtypes[5];
            long numel = bytes / Integer.parseInt(d[1]);
            e.put("dtype", d[0]);
            ArrayNode shape = e.putArray("shape");
            switch (r.nextInt(4)) {
                case 0 -> shape.add(numel);
                case 1 -> { /* a scalar: only right when numel is 1 */ if (numel != 1) shape.add(numel); }
                case 2 -> shape.add(1).add(numel).add(1);
                default -> {
                    long f = smallestFactor(numel);
                    shape.add(f).add(numel / f);
                }
            }
            return m.bytes();
        }
    },
    /** Tensor names changed: a key dropped, renamed to nonsense or to another model's, or an extra key added. */
    RENAMED_KEYS {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            String name = pick(m, r);
            JsonNode e = m.header.get(name);
            switch (r.nextInt(5)) {
                case 0 -> m.header.remove(name);
                case 1 -> { m.header.remove(name); m.header.set(name.replace('.', '_') + "x", e); }
                case 2 -> { m.header.remove(name); m.header.set("lora_te2_" + name, e); }
                case 3 -> { m.header.remove(name); m.header.set(name.substring(0, r.nextInt(name.length())), e); }
                default -> m.header.set("unet.Nowhere.Linear.down.weight", e.deepCopy());
            }
            return m.bytes();
        }
    },
    /** NaN, infinities and extreme values in the data. */
    NON_FINITE_VALUES {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            SafeTensorsImage m = s.copy();
            ObjectNode e = m.entry(pick(m, r));
            int begin = e.get("data_offsets").get(0).asInt(), end = e.get("data_offsets").get(1).asInt();
            ByteBuffer b = ByteBuffer.wrap(m.data).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -0f};
            if (e.get("dtype").asText().equals("F32")) {
                for (int i = begin; i + 4 <= end; i += 4) if (r.nextInt(3) == 0) b.putFloat(i, values[r.nextInt(values.length)]);
            } else {
                for (int i = begin; i < end; i++) m.data[i] = (byte) 0xff;
            }
            return m.bytes();
        }
    },
    /** The file ends early (in the length, the header or the data). */
    TRUNCATED_FILE {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            byte[] b = s.bytes();
            return Arrays.copyOf(b, r.nextInt(b.length));
        }
    },
    /** Random bytes changed anywhere in the file. */
    BYTE_FLIPS {
        byte[] apply(SafeTensorsImage s, SplittableRandom r) {
            byte[] b = s.bytes();
            int n = 1 + r.nextInt(8);
            for (int i = 0; i < n; i++) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            return b;
        }
    };

    /** The damaged file's bytes. */
    abstract byte[] apply(SafeTensorsImage seed, SplittableRandom r);

    static String pick(SafeTensorsImage s, SplittableRandom r) {
        List<String> names = s.tensorNames();
        return names.get(r.nextInt(names.size()));
    }

    /** A position just after a double quote of the header (inside a key or a string value). */
    static int quotedPosition(byte[] h, SplittableRandom r) {
        for (int tries = 0; tries < 64; tries++) {
            int at = 1 + r.nextInt(h.length - 1);
            if (h[at - 1] == '"') return at;
        }
        return 2;
    }

    static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
        return b;
    }

    static long smallestFactor(long n) {
        for (long f = 2; f * f <= n; f++) if (n % f == 0) return f;
        return 1;
    }
}
