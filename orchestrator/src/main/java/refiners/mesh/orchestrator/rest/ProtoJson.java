package refiners.mesh.orchestrator.rest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/** A proto message as REST JSON: the proto's field names (snake_case), every field present (int64 fields as strings, as proto3 JSON writes them). */
final class ProtoJson {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();

    private ProtoJson() {}

    static String print(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e); // only for Any fields of unknown types: none here
        }
    }
}
