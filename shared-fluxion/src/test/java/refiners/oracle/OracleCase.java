package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;

/** One oracle case file: its manifest and its tensors (see shared/oracle/README.md for the format). */
public record OracleCase(String name, Path manifestPath, JsonNode manifest, SafeTensors tensors) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The case directory: system property oracle.dir, default ../shared/oracle. */
    public static Path dir() {
        return Path.of(System.getProperty("oracle.dir", "../shared/oracle")).toAbsolutePath().normalize();
    }

    /** Every case manifest in the directory (a JSON object with "case" and "subcases"), sorted by file name. */
    public static List<Path> manifests(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> out = new ArrayList<>();
            for (Path p : files.sorted().toList()) {
                if (!p.toString().endsWith(".json")) continue;
                JsonNode n = read(p);
                if (n.has("case") && n.has("subcases")) out.add(p);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list oracle directory " + dir, e);
        }
    }

    public static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    public static OracleCase load(Path manifestPath) {
        JsonNode m = read(manifestPath);
        String st = m.path("safetensors").asText(m.get("case").asText() + ".safetensors");
        return new OracleCase(m.get("case").asText(), manifestPath, m, SafeTensors.open(manifestPath.resolveSibling(st)));
    }

    public Path dirPath() {
        return manifestPath.getParent();
    }

    /** The named input of a subcase, from the file (float inputs are also re-derivable with detinit). */
    public Tensor input(JsonNode subcase, String name) {
        JsonNode in = find(subcase.get("inputs"), name);
        if (in == null) throw new IllegalArgumentException(subcase.get("name").asText() + ": no input " + name);
        if (in.has("tensor") && tensors.contains(in.get("tensor").asText())) return tensors.get(in.get("tensor").asText());
        JsonNode d = in.get("detinit");
        if (d == null) throw new IllegalArgumentException(subcase.get("name").asText() + ": input " + name + " has neither tensor nor detinit");
        return DetInit.tensor(d.get("key").asText(), shape(in.get("shape")), d.get("seed").asLong(), d.get("center").asDouble(), d.get("scale").asDouble());
    }

    /** An input regenerated with detinit from its manifest entry (checks the generator against the stored copy). */
    public static Tensor detinitInput(JsonNode input) {
        JsonNode d = input.get("detinit");
        return DetInit.tensor(d.get("key").asText(), shape(input.get("shape")), d.get("seed").asLong(), d.get("center").asDouble(), d.get("scale").asDouble());
    }

    public static JsonNode find(JsonNode array, String name) {
        if (array == null) return null;
        for (JsonNode n : array) if (name.equals(n.path("name").asText())) return n;
        return null;
    }

    public static long[] shape(JsonNode arr) {
        long[] s = new long[arr.size()];
        for (int i = 0; i < s.length; i++) s[i] = arr.get(i).asLong();
        return s;
    }

    public static DType dtype(String name) {
        return DType.fromSafetensors(name);
    }
}
