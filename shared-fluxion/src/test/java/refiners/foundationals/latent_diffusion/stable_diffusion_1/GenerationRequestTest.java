package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.Tensor;

class GenerationRequestTest {
    static final Tensor RGB = Tensor.zeros(DType.U8, 64, 96, 3), GRAY = Tensor.zeros(DType.U8, 64, 96);

    static GenerationRequest request(Tensor init, double strength, Tensor mask, List<GenerationRequest.ControlnetInput> cn) {
        return new GenerationRequest("p", "", 30, 7.5, "dpm", 96, 64, 1, List.of(), init, strength, mask, cn);
    }

    static String field(GenerationRequest r) {
        return assertThrows(InvalidRequestException.class, () -> r.validate(1 << 20)).field();
    }

    @Test
    void withSeedChangesTheSeedAlone() throws ReflectiveOperationException {
        var images = new GenerationRequest.IpAdapterInput("plus", 0.7, List.of(new GenerationRequest.ImagePromptInput(RGB, 0.5)));
        GenerationRequest r = request(RGB, 0.6, GRAY, List.of(new GenerationRequest.ControlnetInput("canny", RGB, 0.8, 1.0, "canny")))
                .withIpAdapter(images).withReference(new GenerationRequest.ReferenceInput(RGB, 0.3)), other = r.withSeed(99);
        assertEquals(99, other.seed());
        // every other component, present or added later, travels with the new seed
        for (var c : GenerationRequest.class.getRecordComponents())
            if (!c.getName().equals("seed")) assertEquals(c.getAccessor().invoke(r), c.getAccessor().invoke(other), c.getName());
    }

    @Test
    void theFirstStepIsRefinersRoundedStrength() {
        assertEquals(12, request(RGB, 0.6, null, List.of()).firstStep()); // round(0.4 * 29) = round(11.6)
        assertEquals(0, request(RGB, 1.0, null, List.of()).firstStep());
        assertEquals(29, request(RGB, 0.01, null, List.of()).firstStep());
        assertEquals(0, request(null, 1.0, null, List.of()).firstStep());
        assertEquals(2, new GenerationRequest("p", "", 4, 7.5, "dpm", 96, 64, 1, List.of(), RGB, 0.5, null, List.of()).firstStep()); // 1.5: half to even
    }

    @Test
    void imagesMasksAndControlnetsAreChecked() {
        var cn = new GenerationRequest.ControlnetInput("canny", RGB, 0.8, 1.0, "canny");
        request(RGB, 0.6, GRAY, List.of(cn)).validate(1 << 20);
        assertEquals("strength", field(request(RGB, 0, null, List.of())));
        assertEquals("strength", field(request(RGB, 1.5, null, List.of())));
        assertEquals("strength", field(request(RGB, Double.NaN, null, List.of())));
        assertEquals("strength", field(request(null, 0.5, null, List.of())));
        assertEquals("init_image", field(request(Tensor.zeros(DType.U8, 64, 64, 3), 1, null, List.of())));
        assertEquals("init_image", field(request(GRAY, 1, null, List.of())));
        assertEquals("mask", field(request(null, 1, GRAY, List.of())));
        assertEquals("mask", field(request(RGB, 1, Tensor.zeros(DType.U8, 32, 96), List.of())));
        assertEquals("controlnets[0].name", field(request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("../x", RGB, 1, 1, "")))));
        assertEquals("controlnets[1].name", field(request(null, 1, null, List.of(cn, cn))));
        assertEquals("controlnets[0].image", field(request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("a", GRAY, 1, 1, "")))));
        assertEquals("controlnets[0].scale", field(request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("a", RGB, -1, 1, "")))));
        assertEquals("controlnets[0].scale_decay", field(request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("a", RGB, 1, 0, "")))));
        assertEquals("controlnets[0].preprocess", field(request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("a", RGB, 1, 1, "depth")))));
        assertEquals("controlnets", field(request(null, 1, null, List.of(cn, cn, cn, cn, cn))));
    }

    @Test
    void noPreprocessingIsNamedNoneOrLeftEmpty() {
        for (String none : List.of("", "none", " None "))
            request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("a", RGB, 1, 1, none))).validate(1 << 20);
        var e = assertThrows(InvalidRequestException.class,
                () -> request(null, 1, null, List.of(new GenerationRequest.ControlnetInput("a", RGB, 1, 1, "depth"))).validate(1 << 20));
        assertEquals("controlnets[0].preprocess: unknown preprocessing 'depth' (known: none, canny)", e.getMessage());
    }
}
