//! A model file written by PyTorch (`safetensors.torch.save_file` of an
//! `nn.Sequential` of `nn.Linear` layers, renamed), committed as bytes with
//! PyTorch's outputs beside it (both written by `tests/fixtures/make_fixture.py`).

use autoencoder_lab::io;
use ndarray::{Array2, Axis};
use serde_json::Value;

const FILE: &[u8] = include_bytes!("fixtures/torch-layout.safetensors");
const EXPECTED: &str = include_str!("fixtures/torch-layout.json");

fn matrix(value: &Value) -> Array2<f32> {
    let rows: Vec<Vec<f32>> = serde_json::from_value(value.clone()).expect("a matrix");
    let cols = rows[0].len();
    Array2::from_shape_vec((rows.len(), cols), rows.concat()).expect("rectangular")
}

fn max_difference(a: &Array2<f32>, b: &Array2<f32>) -> f32 {
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f32::max)
}

#[test]
fn the_fixture_loads_and_gives_the_stated_outputs() {
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    let model = io::load(FILE).unwrap();
    let x = matrix(&expected["inputs"]);

    // Both are float32 through three layers of values near 1, summed in other
    // orders and with other tanh and exp: 1e-6 is about ten float32 roundings.
    let codes = model.encode(x.view()).unwrap();
    assert!(
        max_difference(&codes, &matrix(&expected["codes"])) < 1e-6,
        "{codes}"
    );
    let reconstructions = model.reconstruct(x.view()).unwrap();
    let difference = max_difference(&reconstructions, &matrix(&expected["reconstructions"]));
    assert!(difference < 1e-6, "{reconstructions}");
}

#[test]
fn the_square_layer_is_read_the_right_way_round() {
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    let mut model = io::load(FILE).unwrap();
    assert_eq!(
        model.layers()[0].weight.row(0).to_vec(),
        vec![0.5, -1.0, 0.25]
    );

    // Read transposed, the same file would give clearly different codes.
    let flipped = model.layers()[0].weight.t().to_owned();
    model.layers_mut()[0].weight = flipped;
    let codes = model.encode(matrix(&expected["inputs"]).view()).unwrap();
    assert!(max_difference(&codes, &matrix(&expected["codes"])) > 0.05);
}

#[test]
fn the_fixture_round_trips_through_our_writer() {
    let model = io::load(FILE).unwrap();
    let again = io::load(&io::save(&model)).unwrap();
    assert_eq!(again, model);
    assert_eq!(model.encoder().len(), 2);
    assert_eq!(model.decoder()[0].weight.len_of(Axis(0)), 3);
}
