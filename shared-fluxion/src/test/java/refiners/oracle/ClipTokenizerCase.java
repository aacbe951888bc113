package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.CLIPTokenizer;
import refiners.foundationals.clip.Tokenization;

/**
 * Case "clip-tokenizer": the references are per prompt in the manifest ("prompts": text, ids, num_ids, truncated) and
 * as a whole in the tensors "<subcase>/ids" (N, L) and "<subcase>/num_ids" (N). One check per prompt, one per tensor.
 */
public final class ClipTokenizerCase implements CaseRunner {
    private static final CLIPTokenizer TOKENIZER = new CLIPTokenizer();

    @Override
    public String caseName() {
        return "clip-tokenizer";
    }

    @Override
    public Map<String, Tensor> run(OracleCase oracleCase, JsonNode subcase) {
        if (!subcase.path("outputs").isEmpty()) throw new IllegalArgumentException(subcase.get("name").asText() + ": clip-tokenizer subcases list no outputs, this one does");
        return Map.of();
    }

    @Override
    public Map<String, Executable> checks(OracleCase oracleCase, JsonNode subcase) {
        String name = subcase.get("name").asText();
        for (String field : List.of("models", "inputs", "outputs"))
            if (!subcase.path(field).isEmpty()) throw new IllegalArgumentException(name + ": unexpected non-empty '" + field + "' in a clip-tokenizer subcase");
        JsonNode prompts = subcase.get("prompts");
        if (prompts == null || !prompts.isArray() || prompts.isEmpty()) throw new IllegalArgumentException(name + ": no prompts");
        if (subcase.has("num_prompts") && subcase.get("num_prompts").asInt() != prompts.size())
            throw new IllegalArgumentException(name + ": num_prompts " + subcase.get("num_prompts").asInt() + " but " + prompts.size() + " prompts");

        Map<String, Executable> checks = new LinkedHashMap<>();
        List<String> texts = new ArrayList<>();
        for (int row = 0; row < prompts.size(); row++) {
            JsonNode prompt = prompts.get(row);
            for (String field : List.of("text", "ids", "num_ids", "truncated"))
                if (!prompt.has(field)) throw new IllegalArgumentException(name + ": prompt " + row + " has no '" + field + "'");
            if (prompt.has("index") && prompt.get("index").asInt() != row)
                throw new IllegalArgumentException(name + ": prompt at position " + row + " has index " + prompt.get("index").asInt());
            String text = prompt.get("text").asText();
            texts.add(text);
            String label = String.format("prompt %02d %s%s", row, abbreviate(text), prompt.path("hash_stable").asBoolean(true) ? "" : " [hash-unstable]");
            String what = name + "/prompt " + row;
            checks.put(label, () -> checkPrompt(what, prompt));
        }
        String idsTensor = subcase.path("ids_tensor").asText(name + "/ids");
        String numIdsTensor = subcase.path("num_ids_tensor").asText(name + "/num_ids");
        checks.put(idsTensor, () -> checkIdMatrix(oracleCase, idsTensor, texts));
        checks.put(numIdsTensor, () -> checkCounts(oracleCase, numIdsTensor, texts));
        return checks;
    }

    private static void checkPrompt(String what, JsonNode prompt) {
        Tokenization t = TOKENIZER.tokenization(prompt.get("text").asText());
        long[] expected = new long[prompt.get("ids").size()];
        for (int i = 0; i < expected.length; i++) expected[i] = prompt.get("ids").get(i).asLong();
        if (!Arrays.equals(t.ids(), expected))
            throw new AssertionError(what + ": ids " + Arrays.toString(t.ids()) + ", expected " + Arrays.toString(expected)
                    + " (pre-tokens " + TOKENIZER.preTokens(prompt.get("text").asText()) + ")");
        if (t.length() != prompt.get("num_ids").asInt())
            throw new AssertionError(what + ": num_ids " + t.length() + ", expected " + prompt.get("num_ids").asInt());
        if (t.truncated() != prompt.get("truncated").asBoolean())
            throw new AssertionError(what + ": truncated " + t.truncated() + ", expected " + prompt.get("truncated").asBoolean());
    }

    private static void checkIdMatrix(OracleCase oc, String tensorName, List<String> texts) {
        Tensor expected = oc.tensors().get(tensorName);
        Tensor actual = TOKENIZER.tokenize(texts);
        if (expected.dtype() != DType.I64) throw new AssertionError(tensorName + ": dtype " + expected.dtype() + ", expected I64");
        if (!Arrays.equals(expected.shape(), actual.shape()))
            throw new AssertionError(tensorName + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape()));
        long[] e = expected.toLongArray(), a = actual.toLongArray();
        int width = (int) expected.dim(1);
        for (int i = 0; i < e.length; i++)
            if (e[i] != a[i]) throw new AssertionError(tensorName + ": row " + i / width + " column " + i % width + " is " + a[i] + ", expected " + e[i]);
    }

    private static void checkCounts(OracleCase oc, String tensorName, List<String> texts) {
        long[] expected = oc.tensors().get(tensorName).toLongArray();
        if (expected.length != texts.size()) throw new AssertionError(tensorName + ": " + expected.length + " counts for " + texts.size() + " prompts");
        for (int i = 0; i < expected.length; i++) {
            int count = TOKENIZER.count(texts.get(i));
            if (count != expected[i]) throw new AssertionError(tensorName + ": prompt " + i + " count " + count + ", expected " + expected[i]);
        }
    }

    private static String abbreviate(String text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().limit(40).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F) b.append(String.format("\\x%02x", cp));
            else b.appendCodePoint(cp);
        });
        return "'" + b + (text.codePointCount(0, text.length()) > 40 ? "...'" : "'");
    }
}
