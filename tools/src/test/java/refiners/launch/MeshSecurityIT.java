package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.unet.v1.ListLorasRequest;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.TextEncoderGrpc;
import refiners.proto.unet.v1.UNetGrpc;
import refiners.proto.vae.v1.AutoencoderGrpc;
import refiners.proto.vae.v1.DecodeRequest;

/**
 * The mesh with its security on: the "tls" profile (HTTPS and gRPC over TLS only, mutual TLS between the
 * orchestrator and the stages, certificates made by {@link TestCertificates}) and API keys on the orchestrator.
 * One generation goes through; a caller without a valid key is UNAUTHENTICATED / 401 (health and metrics stay
 * open); a stage refuses a client without a certificate from the mesh CA; the keys never reach a log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshSecurityIT {
    static final List<String> KEYS = List.of("k1-c0ffee-not-a-real-key", "k2-from-the-secret-file");

    MeshProcesses mesh;
    TestCertificates certs;
    HttpClient https;
    final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        SharedMesh.close(); // a mesh of its own (see SharedMesh for why)
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path work = root.resolve("tools/target/mesh-security-it");
        certs = TestCertificates.create(work.resolve("tls"));
        Path keyFile = Files.writeString(work.resolve("api-keys"), KEYS.get(1) + "\n");
        https = HttpClient.newBuilder().sslContext(certs.trustingCa()).connectTimeout(Duration.ofSeconds(5)).build();
        mesh = new MeshProcesses(root, work.resolve("logs"), MeshProcesses.freePorts())
                .env("REFINERS_WEIGHTS", SD1Weights.DETINIT)
                .env("QUARKUS_PROFILE", "tls")
                .env("REFINERS_TLS_CA", certs.ca().toString())
                .env("REFINERS_TLS_CERT", certs.cert().toString())
                .env("REFINERS_TLS_KEY", certs.key().toString())
                .env(MeshService.ORCHESTRATOR, "REFINERS_API_KEYS", KEYS.get(0))
                .env(MeshService.ORCHESTRATOR, "REFINERS_API_KEYS_FILE", keyFile.toString())
                .tls(certs.trustingCa());
        try {
            mesh.start(Duration.ofMinutes(10));
        } catch (Exception e) {
            mesh.close();
            throw e;
        }
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (mesh != null) mesh.close();
    }

    /** A TLS channel trusting the test CA, presenting {@code cert}/{@code key} when given. */
    ManagedChannel channel(MeshService s, Path cert, Path key) throws Exception {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(certs.ca().toFile());
        if (cert != null) ssl.keyManager(cert.toFile(), key.toFile());
        ManagedChannel c = NettyChannelBuilder.forTarget(mesh.address(s)).sslContext(ssl.build()).maxInboundMessageSize(64 << 20).build();
        channels.add(c);
        return c;
    }

    static Metadata bearer(String authorization) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        return m;
    }

    static GenerateRequest small() {
        return GenerateRequest.newBuilder().setPrompt("a lighthouse").setSteps(2).setWidth(64).setHeight(64).setSeed(7).build();
    }

    @Test
    void aGenerationGoesThroughTlsAndMutualTlsWithAnApiKey() throws Exception {
        for (String key : KEYS) { // one from the variable, one from the secret file
            var stub = OrchestratorGrpc.newBlockingStub(channel(MeshService.ORCHESTRATOR, null, null))
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("Bearer " + key))).withDeadlineAfter(5, TimeUnit.MINUTES);
            List<GenerateEvent> events = new ArrayList<>();
            stub.generate(small()).forEachRemaining(events::add);
            assertTrue(events.get(events.size() - 1).hasResult(), "a result");
            assertEquals(64, events.get(events.size() - 1).getResult().getWidth());
        }
        HttpResponse<byte[]> png = https.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + "/v1/images"))
                .header("content-type", "application/json").header("authorization", "Bearer " + KEYS.get(0))
                .POST(HttpRequest.BodyPublishers.ofString("{\"steps\": 2, \"width\": 64, \"height\": 64, \"seed\": 7}")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, png.statusCode(), new String(png.body()));
        assertEquals("image/png", png.headers().firstValue("content-type").orElse(""));
    }

    @Test
    void withoutAValidKeyTheOrchestratorAnswersUnauthenticatedAndSaysNothingOfTheKeys() throws Exception {
        ManagedChannel c = channel(MeshService.ORCHESTRATOR, null, null);
        List<Metadata> wrong = List.of(new Metadata(), bearer("Bearer nope"), bearer(KEYS.get(0)), bearer("Basic " + KEYS.get(0)), bearer("Bearer " + KEYS.get(0) + "x"));
        for (Metadata m : wrong) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> OrchestratorGrpc.newBlockingStub(c)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m)).withDeadlineAfter(1, TimeUnit.MINUTES).generate(small()).hasNext());
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
            assertEquals("a valid API key is required: send 'authorization: Bearer <key>'", e.getStatus().getDescription());
        }
        for (String authorization : new String[] {null, "Bearer nope"}) {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + "/v1/images"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
            if (authorization != null) r.header("authorization", authorization);
            HttpResponse<String> refused = https.send(r.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            assertEquals("Bearer", refused.headers().firstValue("www-authenticate").orElse(""));
            assertTrue(refused.body().contains("\"code\":\"UNAUTHENTICATED\""), refused.body());
            for (String k : KEYS) assertFalse(refused.body().contains(k));
        }
        // health and metrics stay open
        for (String path : List.of("/q/health/ready", "/q/health/live", "/q/metrics"))
            assertEquals(200, https.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), path);
        // the keys are in no log
        for (MeshService s : MeshService.values()) {
            String log = Files.readString(mesh.log(s));
            for (String k : KEYS) assertFalse(log.contains(k), s.module + " logged an API key");
        }
        assertTrue(Files.readString(mesh.log(MeshService.ORCHESTRATOR)).contains("API keys: 2 configured"));
    }

    static void assertRefusedForLackOfACertificate(String service, org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), service + ": " + e.getStatus());
        assertEquals(service + " accepts only clients with a certificate from the mesh CA (mutual TLS)", e.getStatus().getDescription());
    }

    @Test
    void aStageRefusesAClientWithoutACertificateFromTheMeshCa() throws Exception {
        var unet = UNetGrpc.newBlockingStub(channel(MeshService.UNET, null, null)).withDeadlineAfter(1, TimeUnit.MINUTES);
        assertRefusedForLackOfACertificate("unet-svc", () -> unet.listLoras(ListLorasRequest.getDefaultInstance()));
        var textEncoder = TextEncoderGrpc.newBlockingStub(channel(MeshService.TEXT_ENCODER, null, null)).withDeadlineAfter(1, TimeUnit.MINUTES);
        assertRefusedForLackOfACertificate("text-encoder-svc", () -> textEncoder.encode(EncodeRequest.newBuilder().addPrompts("x").build()));
        var vae = AutoencoderGrpc.newBlockingStub(channel(MeshService.VAE, null, null)).withDeadlineAfter(1, TimeUnit.MINUTES);
        assertRefusedForLackOfACertificate("vae-svc", () -> vae.decode(DecodeRequest.getDefaultInstance()));
        // a certificate from another CA does not verify against the mesh CA: refused (at the handshake or per call)
        var stranger = UNetGrpc.newBlockingStub(channel(MeshService.UNET, certs.strangerCert(), certs.strangerKey())).withDeadlineAfter(1, TimeUnit.MINUTES);
        Status.Code strangerCode = assertThrows(StatusRuntimeException.class, () -> stranger.listLoras(ListLorasRequest.getDefaultInstance())).getStatus().getCode();
        assertTrue(strangerCode == Status.Code.UNAUTHENTICATED || strangerCode == Status.Code.UNAVAILABLE, strangerCode.toString());
        // plaintext is not served at all
        ManagedChannel plain = io.grpc.ManagedChannelBuilder.forTarget(mesh.address(MeshService.UNET)).usePlaintext().build();
        channels.add(plain);
        assertEquals(Status.Code.UNAVAILABLE, assertThrows(StatusRuntimeException.class,
                () -> UNetGrpc.newBlockingStub(plain).withDeadlineAfter(1, TimeUnit.MINUTES).listLoras(ListLorasRequest.getDefaultInstance())).getStatus().getCode());
        // the mesh's own certificate is let in
        UNetGrpc.newBlockingStub(channel(MeshService.UNET, certs.cert(), certs.key())).withDeadlineAfter(1, TimeUnit.MINUTES).listLoras(ListLorasRequest.getDefaultInstance());
    }
}
