package refiners.mesh.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.vae.v1.AutoencoderGrpc;
import refiners.proto.vae.v1.DecodeRequest;
import refiners.proto.vae.v1.EncodeRequest;
import refiners.proto.vae.v1.ImageFormat;

@QuarkusTest
class AutoencoderServiceTest extends ServiceTestBase {
    @Inject
    AutoencoderModel model;

    AutoencoderGrpc.AutoencoderBlockingStub vae;

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    @BeforeEach
    void stub() {
        vae = AutoencoderGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    @Test
    void decodesToTheEnginesImageAsTensorOrPng() {
        Tensor latents = GaussianNoise.sample(3, 1, 4, 8, 8);
        Tensor expected = model.get().decode(latents);
        var tensor = vae.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(latents)).setFormat(ImageFormat.IMAGE_FORMAT_TENSOR).build());
        assertEquals(WireTensors.toMessage(expected), tensor.getTensor());
        var png = vae.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(latents)).build());
        assertArrayEquals(Images.toPng(expected), png.getPng().toByteArray());
    }

    @Test
    void encodesImagesToLatents() {
        byte[] png = Images.toPng(GaussianNoise.sample(4, 1, 3, 64, 64));
        Tensor image = Images.fromEncoded(png, Long.MAX_VALUE);
        var fromPng = vae.encode(EncodeRequest.newBuilder().setEncoded(ByteString.copyFrom(png)).build());
        assertEquals(WireTensors.toMessage(model.get().encode(image)), fromPng.getLatents());
        var fromTensor = vae.encode(EncodeRequest.newBuilder().setTensor(WireTensors.toMessage(image)).build());
        assertEquals(fromPng.getLatents(), fromTensor.getLatents());
    }

    @Test
    void badImagesAndLatentsAreInvalidArguments() {
        assertInvalid("encoded", () -> vae.encode(EncodeRequest.newBuilder().setEncoded(ByteString.copyFromUtf8("not an image")).build()));
        assertInvalid("encoded", () -> vae.encode(EncodeRequest.newBuilder()
                .setEncoded(ByteString.copyFrom(Images.toPng(GaussianNoise.sample(1, 1, 3, 60, 64)))).build()));
        assertInvalid("tensor", () -> vae.encode(EncodeRequest.newBuilder().setTensor(WireTensors.toMessage(GaussianNoise.sample(1, 1, 4, 64, 64))).build()));
        assertInvalid("image", () -> vae.encode(EncodeRequest.getDefaultInstance()));
        assertInvalid("latents", () -> vae.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(GaussianNoise.sample(1, 1, 3, 8, 8))).build()));
        assertInvalid("latents", () -> vae.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(GaussianNoise.sample(1, 1, 4, 256, 256))).build()));
        // no zero or negative dimension reaches ONNX Runtime
        for (long[] shape : new long[][] {{1, 4, 0, 0}, {1, 4, -1, 8}, {0, 4, 8, 8}}) {
            var empty = refiners.proto.common.v1.Tensor.newBuilder().setDtype(refiners.proto.common.v1.DType.DTYPE_FLOAT32);
            for (long d : shape) empty.addShape(d);
            assertInvalid("latents", () -> vae.decode(DecodeRequest.newBuilder().setLatents(empty).build()));
        }
    }

    @Test
    void concurrentDecodesOfOneSizeShareACallAndEachGetsItsOwnImage() throws Exception {
        var async = AutoencoderGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
        var blocker = async.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(GaussianNoise.sample(9, 1, 4, 32, 32)))
                .setFormat(ImageFormat.IMAGE_FORMAT_TENSOR).build());
        List<Tensor> latents = List.of(GaussianNoise.sample(10, 1, 4, 8, 8), GaussianNoise.sample(11, 1, 4, 8, 8), GaussianNoise.sample(12, 1, 4, 8, 8));
        List<com.google.common.util.concurrent.ListenableFuture<refiners.proto.vae.v1.DecodeResponse>> calls = new java.util.ArrayList<>();
        for (Tensor l : latents) calls.add(async.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(l)).setFormat(ImageFormat.IMAGE_FORMAT_TENSOR).build()));
        blocker.get(10, TimeUnit.MINUTES);
        for (int i = 0; i < latents.size(); i++)
            assertEquals(WireTensors.toMessage(model.get().decode(latents.get(i))), calls.get(i).get(10, TimeUnit.MINUTES).getTensor(), "call " + i);
        assertTrue(metric("refiners_batch_size_max{stage=\"vae-decode\"}") >= 2, "the decodes queued behind the first were not batched");
    }

    @Test
    void readinessNamesTheWeightsAndMetricsShowTheWorkLimits() {
        given().get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'model' }.data.weights", startsWith("detinit"));
        vae.decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(GaussianNoise.sample(3, 1, 4, 8, 8))).build());
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("ft_bulkhead_executionsWaiting{method=\"refiners.mesh.ModelWork.run\"}"), "the work queue's depth");
        assertTrue(metrics.contains("refiners_model_info{service=\"vae-svc\",weights=\"detinit"), "the weights source as a metric label");
    }

    static void assertInvalid(String field, org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call, field);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), field);
        assertTrue(e.getStatus().getDescription().startsWith(field + ": "), e.getStatus().getDescription());
    }
}
