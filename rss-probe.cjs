const ort = require('onnxruntime-node');
const fs = require('fs');
const bytes = fs.readFileSync('/tmp/mbv2/model.onnx');
const mb = () => (process.memoryUsage().rss/1048576).toFixed(1);
(async () => {
  const opts = JSON.parse(process.argv[2] || '{}');
  const x = new ort.Tensor('float32', new Float32Array(3*224*224), [1,3,224,224]);
  const out = [];
  for (let i = 0; i <= 50; i++) {
    const s = await ort.InferenceSession.create(bytes, opts);
    await s.run({ input: x });
    await s.release();
    if (i % 10 === 0) { global.gc(); out.push(`${i}:${mb()}`); }
  }
  console.log(JSON.stringify(opts), out.join(' '));
})();
