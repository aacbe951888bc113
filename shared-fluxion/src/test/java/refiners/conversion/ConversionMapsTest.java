package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.oracle.OracleCase;

/** Our module tables, expanded to keys, agree with the oracle's conversion maps (refiners' own recipes). */
class ConversionMapsTest {
    private static JsonNode maps() {
        return maps("conversion-maps.json");
    }

    private static JsonNode maps(String file) {
        Path p = OracleCase.dir().resolve(file);
        assertTrue(Files.exists(p), "missing " + p);
        return OracleCase.read(p);
    }

    private static void sameAsOracle(String model, ModuleMap map) {
        sameAsOracle(maps(), model, map);
    }

    private static void sameAsOracle(JsonNode maps, String model, ModuleMap map) {
        JsonNode m = maps.get("models").get(model);
        Map<String, String> expected = new LinkedHashMap<>();
        for (JsonNode row : m.get("map")) expected.put(row.get(0).asText(), row.get(2).asText());
        Map<String, String> ours = new LinkedHashMap<>();
        for (String ext : expected.keySet()) ours.put(ext, map.refinersKey(ext));
        assertEquals(expected, ours, model);
        // and nothing more: every module of ours names some mapped key
        for (String module : map.modules().keySet())
            assertTrue(expected.keySet().stream().anyMatch(k -> k.startsWith(module + ".")), module + " maps no oracle key");
        for (JsonNode dropped : m.get("external_keys_not_mapped")) assertEquals(null, map.refinersKey(dropped.get(0).asText()));
    }

    @Test
    void diffusersTablesEqualTheOracleMaps() {
        sameAsOracle("sd1_unet", ModuleMap.load("sd1_unet.diffusers"));
        sameAsOracle("clip_text_l", ModuleMap.load("clip_text_l.transformers"));
        sameAsOracle("sd1_autoencoder", ModuleMap.load("sd1_autoencoder.diffusers"));
    }

    @Test
    void sdxlDiffusersTablesEqualTheOracleMaps() {
        JsonNode sdxl = maps("conversion-maps-sdxl.json");
        sameAsOracle(sdxl, "sdxl_unet", ModuleMap.load("sdxl_unet.diffusers"));
        // refiners converts the SDXL VAE with the SD1.5 recipe: same architecture, same keys
        sameAsOracle(sdxl, "sdxl_autoencoder", ModuleMap.load("sd1_autoencoder.diffusers"));
    }

    @Test
    void legacyAutoencoderNamesMapLikeTheCurrentOnes() {
        ModuleMap m = ModuleMap.load("sd1_autoencoder.diffusers").withAliases("sd1_autoencoder.diffusers.aliases");
        assertEquals(m.refinersKey("encoder.mid_block.attentions.0.to_q.weight"), m.refinersKey("encoder.mid_block.attentions.0.query.weight"));
        assertEquals(m.refinersKey("decoder.mid_block.attentions.0.to_out.0.bias"), m.refinersKey("decoder.mid_block.attentions.0.proj_attn.bias"));
    }

    @Test
    void kohyaNamesEqualTheOracleModuleTable() {
        for (String model : new String[] {"sd1_unet", "clip_text_l"}) {
            Map<String, String> names = model.equals("sd1_unet") ? LoraFormats.kohyaUnet() : LoraFormats.kohyaTextEncoder();
            int n = 0;
            for (JsonNode row : maps().get("models").get(model).get("modules")) {
                assertEquals(row.get(2).asText(), names.get(row.get(1).asText()), row.get(1).asText());
                n++;
            }
            assertEquals(n, names.size(), model);
        }
    }

    @Test
    void compvisTablesCoverEveryModuleOnce() {
        for (String[] pair : new String[][] {{"sd1_unet.diffusers", "sd1_unet.compvis"}, {"clip_text_l.transformers", "clip_text_l.compvis"},
                {"sd1_autoencoder.diffusers", "sd1_autoencoder.compvis"}}) {
            ModuleMap d = ModuleMap.load(pair[0]), c = ModuleMap.load(pair[1]);
            assertEquals(new java.util.HashSet<>(d.modules().values().stream().map(ModuleMap.Entry::refinersModule).toList()),
                    new java.util.HashSet<>(c.modules().values().stream().map(ModuleMap.Entry::refinersModule).toList()), pair[1]);
            assertEquals(d.modules().size(), c.modules().size(), pair[1] + ": one external module per refiners module");
        }
        assertEquals(8, ModuleMap.load("sd1_autoencoder.compvis").modules().values().stream()
                .filter(e -> ModuleMap.CONV1X1_TO_LINEAR.equals(e.op())).count(), "the LDM VAE's attention q/k/v/proj_out are 1x1 convs");
    }
}
