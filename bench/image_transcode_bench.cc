// How long the development Result Server's image transcoder (gateway/dev/image_transcode.h) can take:
// the sample portrait of testdata/faces (a typical DG2 face) against the most expensive JPEG 2000
// pictures its limits let through — noise (nothing for the entropy coder to skip) at the largest
// picture (2000 x 1000, RGB) and about the largest input (1 MiB), with OpenJPEG's default code-blocks,
// with the smallest code-blocks (4 x 4, the most passes per pixel) and with the most tiles (1024).
// The pictures are encoded here with OpenJPEG's encoder. `cpu_ms` is the thread's CPU time per
// transcode, `vs_face` each row's over the sample face's, measured in the same run.
#include <openjpeg.h>
#include <time.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "gateway/dev/image_transcode.h"

namespace docval::gateway {
namespace {

struct Sink {
  std::string bytes;
  size_t at = 0;
};

OPJ_SIZE_T Write(void* data, OPJ_SIZE_T n, void* user) {
  Sink* s = static_cast<Sink*>(user);
  if (s->at + n > s->bytes.size()) s->bytes.resize(s->at + n);
  std::memcpy(s->bytes.data() + s->at, data, n);
  s->at += n;
  return n;
}
OPJ_OFF_T Skip(OPJ_OFF_T n, void* user) {
  Sink* s = static_cast<Sink*>(user);
  s->at += static_cast<size_t>(n);
  if (s->at > s->bytes.size()) s->bytes.resize(s->at);
  return n;
}
OPJ_BOOL Seek(OPJ_OFF_T to, void* user) {
  static_cast<Sink*>(user)->at = static_cast<size_t>(to);
  return OPJ_TRUE;
}

struct Shape {
  int code_block = 64;  // side of a code-block
  int tile_w = 0;       // 0: one tile
  int tile_h = 0;
};

// A JPEG 2000 codestream of RGB noise, `w` x `h`, compressed to about `target_bytes`.
std::string EncodeNoise(int w, int h, size_t target_bytes, const Shape& shape) {
  opj_image_cmptparm_t cp[3];
  std::memset(cp, 0, sizeof(cp));
  for (opj_image_cmptparm_t& c : cp) {
    c.dx = c.dy = 1;
    c.w = static_cast<OPJ_UINT32>(w);
    c.h = static_cast<OPJ_UINT32>(h);
    c.prec = 8;
  }
  opj_image_t* image = opj_image_create(3, cp, OPJ_CLRSPC_SRGB);
  image->x1 = static_cast<OPJ_UINT32>(w);
  image->y1 = static_cast<OPJ_UINT32>(h);
  std::mt19937 rng(9303);
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < w * h; ++i) image->comps[c].data[i] = static_cast<OPJ_INT32>(rng() & 0xFF);
  }
  opj_cparameters_t p;
  opj_set_default_encoder_parameters(&p);
  p.tcp_numlayers = 1;
  p.tcp_rates[0] = static_cast<float>(3.0 * w * h / static_cast<double>(target_bytes));
  p.cp_disto_alloc = 1;
  p.cblockw_init = p.cblockh_init = shape.code_block;
  if (shape.tile_w > 0) {
    p.tile_size_on = OPJ_TRUE;
    p.cp_tdx = shape.tile_w;
    p.cp_tdy = shape.tile_h;
    p.numresolution = 5;  // a tile must hold 2^(resolutions - 1) pixels per side
  }
  opj_codec_t* codec = opj_create_compress(OPJ_CODEC_J2K);
  Sink sink;
  opj_stream_t* stream = opj_stream_create(1 << 20, OPJ_FALSE);
  opj_stream_set_write_function(stream, Write);
  opj_stream_set_skip_function(stream, Skip);
  opj_stream_set_seek_function(stream, Seek);
  opj_stream_set_user_data(stream, &sink, nullptr);
  const bool ok = opj_setup_encoder(codec, &p, image) && opj_start_compress(codec, image, stream) &&
                  opj_encode(codec, stream) && opj_end_compress(codec, stream);
  opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  opj_image_destroy(image);
  return ok ? sink.bytes : std::string();
}

const std::string& Face() {
  static const std::string* face = [] {
    // Run from the checkout's root, as bench/README.md says.
    std::ifstream in("testdata/faces/face.jp2", std::ios::binary);
    return new std::string(std::istreambuf_iterator<char>(in), {});
  }();
  return *face;
}

// CPU time of this thread (the transcoder is single-threaded): what it costs whatever else the
// machine runs.
double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double face_ms = 0;  // the baseline, set by the first benchmark (registered first)

void Run(benchmark::State& state, const std::string& picture, bool baseline) {
  if (picture.empty()) {
    state.SkipWithError("could not make the picture");
    return;
  }
  double total_ms = 0;
  uint32_t side = 0;
  for (auto _ : state) {
    const double start = ThreadCpuMs();
    absl::StatusOr<WebImage> image = ToWebImage(picture);
    total_ms += ThreadCpuMs() - start;
    if (!image.ok()) {
      state.SkipWithError(std::string(image.status().message()).c_str());
      return;
    }
    side = image->width;
    benchmark::DoNotOptimize(image->bytes.data());
  }
  const double ms = total_ms / static_cast<double>(state.iterations());
  if (baseline) face_ms = ms;
  state.counters["cpu_ms"] = ms;
  state.counters["input_kb"] = static_cast<double>(picture.size()) / 1024.0;
  state.counters["width"] = side;
  if (face_ms > 0) state.counters["vs_face"] = ms / face_ms;
}

void BM_SampleFace(benchmark::State& state) {
  if (Face().empty()) {
    state.SkipWithError("testdata/faces/face.jp2 not found: run from the checkout's root");
    return;
  }
  Run(state, Face(), /*baseline=*/true);
}
void BM_NoiseAtTheLimits(benchmark::State& state) {
  static const std::string picture = EncodeNoise(2000, 1000, 1000 * 1024, Shape{});
  Run(state, picture, false);
}
void BM_NoiseAtTheLimitsSmallestCodeBlocks(benchmark::State& state) {
  static const std::string picture = EncodeNoise(2000, 1000, 1000 * 1024, Shape{.code_block = 4});
  Run(state, picture, false);
}
void BM_NoiseAtTheLimitsMostTiles(benchmark::State& state) {
  // 32 x 32 tiles of 63 x 32 pixels: 1024, the limit.
  static const std::string picture = EncodeNoise(2000, 1000, 1000 * 1024, Shape{.tile_w = 63, .tile_h = 32});
  Run(state, picture, false);
}

BENCHMARK(BM_SampleFace)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_NoiseAtTheLimits)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_NoiseAtTheLimitsSmallestCodeBlocks)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_NoiseAtTheLimitsMostTiles)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace docval::gateway

BENCHMARK_MAIN();
