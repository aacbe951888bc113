#!/usr/bin/env bash
# The mesh on this machine: builds it if needed, starts text-encoder-svc, unet-svc, vae-svc and orchestrator as
# separate processes on loopback (ports 8081, 8082, 8083, 8080) and waits until they are ready. Then:
#   ./run-mesh.sh [client options]     generates one image (image.png) through the mesh and stops the services, e.g.
#   ./run-mesh.sh --prompt "a red fox in the snow" --steps 20 --width 512 --height 512 --seed 7 --out fox.png
#   ./run-mesh.sh --init-image in.png --strength 0.6 --steps 4        # image to image (also --mask, --controlnet)
#   ./run-mesh.sh serve                                                # the four services until Ctrl-C
#   ./run-mesh.sh bench [--requests 3 --steps 5 --size 64]             # mesh vs in process, same requests, and the ratio
#   ./run-mesh.sh throughput [--sizes 64,256 --concurrency 1,2,4,8]    # concurrent generations, batching on and off
# Without REFINERS_WEIGHTS (a real SD1.5 folder or file) the services use full-size detinit weights: noise images.
set -euo pipefail
cd "$(dirname "$0")"
for jar in text-encoder-svc/target/quarkus-app/quarkus-run.jar unet-svc/target/quarkus-app/quarkus-run.jar \
           vae-svc/target/quarkus-app/quarkus-run.jar orchestrator/target/quarkus-app/quarkus-run.jar tools/target/refiners.jar; do
  if [ ! -f "$jar" ]; then
    echo "building the mesh (mvn package, once) ..."
    mvn -B -q package -DskipTests
    break
  fi
done
command=demo
case "${1:-}" in
  serve) command=serve; shift ;;
  bench) command=bench-mesh; shift ;;
  throughput) command=bench-throughput; shift ;;
esac
exec java -Xmx4g -XX:MaxDirectMemorySize=16g -Dmesh.root=. -Djava.util.logging.manager=org.jboss.logmanager.LogManager -jar tools/target/refiners.jar "$command" "$@"
