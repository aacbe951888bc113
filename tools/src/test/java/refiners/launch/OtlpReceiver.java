package refiners.launch;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OTLP/HTTP trace receiver for tests: collects the spans the services export (protobuf ExportTraceServiceRequest,
 * decoded field by field: resource service.name, trace and span ids, parent, name, string and integer attributes).
 */
final class OtlpReceiver implements AutoCloseable {
    record Span(String service, String traceId, String spanId, String parentId, String name, Map<String, String> attributes) {}

    private final HttpServer server;
    private final List<Span> spans = new ArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            List<Span> received = decodeRequest(body);
            synchronized (spans) {
                spans.addAll(received);
            }
            exchange.getResponseHeaders().add("content-type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            exchange.close();
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Span> spans() {
        synchronized (spans) {
            return new ArrayList<>(spans);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static List<Span> decodeRequest(byte[] body) throws IOException {
        List<Span> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(body);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag >>> 3 == 1) resourceSpans(in.readBytes(), out);
            else in.skipField(tag);
        }
        return out;
    }

    private static void resourceSpans(ByteString bytes, List<Span> out) throws IOException {
        String service = "?";
        List<ByteString> scopes = new ArrayList<>();
        CodedInputStream in = bytes.newCodedInput();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> service = attributes(in.readBytes(), 1).getOrDefault("service.name", "?"); // Resource.attributes
                case 2 -> scopes.add(in.readBytes());
                default -> in.skipField(tag);
            }
        }
        for (ByteString scope : scopes) {
            CodedInputStream s = scope.newCodedInput();
            for (int tag; (tag = s.readTag()) != 0; ) {
                if (tag >>> 3 == 2) out.add(span(s.readBytes(), service));
                else s.skipField(tag);
            }
        }
    }

    private static Span span(ByteString bytes, String service) throws IOException {
        String trace = "", id = "", parent = "", name = "";
        Map<String, String> attributes = new LinkedHashMap<>();
        CodedInputStream in = bytes.newCodedInput();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> trace = HexFormat.of().formatHex(in.readByteArray());
                case 2 -> id = HexFormat.of().formatHex(in.readByteArray());
                case 4 -> parent = HexFormat.of().formatHex(in.readByteArray());
                case 5 -> name = in.readStringRequireUtf8();
                case 9 -> attributes.putAll(keyValue(in.readBytes()));
                default -> in.skipField(tag);
            }
        }
        return new Span(service, trace, id, parent, name, attributes);
    }

    /** The KeyValue entries found as field {@code field} of a message. */
    private static Map<String, String> attributes(ByteString message, int field) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        CodedInputStream in = message.newCodedInput();
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag >>> 3 == field) out.putAll(keyValue(in.readBytes()));
            else in.skipField(tag);
        }
        return out;
    }

    private static Map<String, String> keyValue(ByteString bytes) throws IOException {
        String key = "", value = "";
        CodedInputStream in = bytes.newCodedInput();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> key = in.readStringRequireUtf8();
                case 2 -> value = anyValue(in.readBytes());
                default -> in.skipField(tag);
            }
        }
        return Map.of(key, value);
    }

    private static String anyValue(ByteString bytes) throws IOException {
        CodedInputStream in = bytes.newCodedInput();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> { return in.readStringRequireUtf8(); }
                case 2 -> { return Boolean.toString(in.readBool()); }
                case 3 -> { return Long.toString(in.readInt64()); }
                case 4 -> { return Double.toString(in.readDouble()); }
                default -> in.skipField(tag);
            }
        }
        return "";
    }
}
