package refiners.fluxion.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StructureApiTest {
    private static Chain model() {
        return new Chain(new Linear(8, 16), new SiLU(), new Chain(new Linear(16, 16), new GeLU()), new Chain(new LayerNorm(16)), new Linear(16, 8));
    }

    @Test
    void namesFollowRefinersRule() {
        Chain m = model();
        assertEquals(List.of("Linear_1", "SiLU", "Chain_1", "Chain_2", "Linear_2"), m.childNames());
        assertEquals(List.of("Linear_1.weight", "Linear_1.bias", "Chain_1.Linear.weight", "Chain_1.Linear.bias",
                "Chain_2.LayerNorm.weight", "Chain_2.LayerNorm.bias", "Linear_2.weight", "Linear_2.bias"), List.copyOf(m.stateDictShapes().keySet()));
    }

    @Test
    void editsRegenerateNames() {
        Chain m = model();
        m.remove(m.get("Linear_2"));
        assertEquals(List.of("Linear", "SiLU", "Chain_1", "Chain_2"), m.childNames());
        m.insert(-1, new ReLU()); // refiners: insert(-1) appends
        assertEquals("ReLU", m.childNames().get(4));
        m.insert(0, new ReLU());
        assertEquals(List.of("ReLU_1", "Linear", "SiLU", "Chain_1", "Chain_2", "ReLU_2"), m.childNames());
        Module popped = m.pop(0);
        assertNull(popped.parent());
        assertEquals(List.of("Linear", "SiLU", "Chain_1", "Chain_2", "ReLU"), m.childNames());
    }

    @Test
    void walkFindsLayersWithParents() {
        Chain m = model();
        List<Chain.Walked<Linear>> linears = m.walk(Linear.class);
        assertEquals(3, linears.size());
        assertSame(m.get("Chain_1"), linears.get(1).parent());
        assertSame(linears.get(1).module(), m.ensureFind(Chain.class).get(0));
        assertEquals(2, m.layers(Chain.class).size());
        assertSame(m.get("Chain_2"), m.findParent(m.layers(LayerNorm.class).get(0)));
        assertEquals(List.of(m.get("Chain_1"), m), ((Chain) m.get("Chain_1")).get(0).parents());
        // predicate walk, and recurse into matches
        assertEquals(2, m.walk((mod, parent) -> mod instanceof Chain).size());
        assertEquals(4, m.walk((mod, parent) -> mod instanceof Chain || mod instanceof LayerNorm || mod instanceof GeLU, true).size());
    }

    @Test
    void replaceAndStructuralCopy() {
        Chain m = model();
        Chain copy = m.structuralCopy();
        assertNotSame(m.get("Chain_1"), copy.get("Chain_1"));
        assertSame(((Chain) m.get("Chain_1")).get(0), ((Chain) copy.get("Chain_1")).get(0)); // leaves shared
        Module old = copy.get("SiLU");
        copy.replace(old, new ReLU());
        assertEquals("ReLU", copy.childNames().get(1));
        assertEquals("SiLU", m.childNames().get(1)); // original untouched
        assertThrows(IllegalArgumentException.class, () -> copy.replace(old, new GeLU()));
        assertEquals(m.structure().replace("SiLU()", "ReLU()"), copy.structure());
    }

    @Test
    void sliceIsACopyOfSomeChildrenAsRefinersGetitem() {
        Residual m = new Residual(new Linear(8, 8), new SiLU(), new Linear(8, 8), new LayerNorm(8));
        Chain middle = m.slice(1, -1); // refiners: m[1:-1]
        assertSame(Residual.class, middle.getClass());
        assertEquals(List.of("SiLU", "Linear"), middle.childNames()); // names regenerated: one Linear left
        assertSame(m.get("Linear_2"), middle.get("Linear")); // leaves shared: the same weights
        assertSame(middle, middle.get("Linear").parent());
        assertEquals(List.of("Linear", "LayerNorm"), m.slice(-2, m.size()).childNames());
        assertEquals(4, m.size()); // the sliced chain keeps its children
        assertEquals(0, m.slice(3, 1).size());
    }

    @Test
    void printoutFoldsAndNumbers() {
        Chain m = new Chain(new Linear(4, 4), new Linear(4, 4), new Linear(4, 8), new Sum(new Identity(), new Identity()));
        String expected = String.join("\n",
                "(CHAIN)",
                "    ├── Linear(in_features=4, out_features=4, device=cpu, dtype=float32) (x2) #1",
                "    ├── Linear(in_features=4, out_features=8, device=cpu, dtype=float32) #2",
                "    └── (SUM)",
                "        └── Identity() (x2)");
        assertEquals(expected, m.structure());
    }

    @Test
    void attributesPrintLikePython() {
        assertEquals("1e-06", Attributes.formatFloat(1e-6));
        assertEquals("0.5", Attributes.formatFloat(0.5));
        assertEquals("1.0", Attributes.formatFloat(1));
        assertEquals("0.0001", Attributes.formatFloat(1e-4));
        assertEquals("(32,)", Attributes.format(new long[] {32}));
        assertEquals("GroupNorm(num_groups=8, eps=1e-06, channels=32, device=cpu, dtype=float32)", new GroupNorm(32, 8, 1e-6).toString());
    }

    @Test
    void stateDictLoadingIsStrict() {
        Chain m = model();
        var sd = refiners.fluxion.DetInit.stateDict(m.stateDictShapes(), 1);
        sd.remove("Linear_1.bias");
        sd.put("Extra.weight", refiners.fluxion.Tensor.zeros(refiners.fluxion.DType.F32, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertTrue(e.getMessage().contains("missing [Linear_1.bias]") && e.getMessage().contains("unexpected [Extra.weight]"), e.getMessage());
    }
}
