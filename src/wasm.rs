//! The WebAssembly entry point: `run(request, host)` for the Node shim, and the host traits
//! implemented over the shim's `host` object.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::host::{Clock, Files, Http, HttpError, HttpRequest, HttpResponse, IoError, Level, Log};
use crate::modes::{self, Failure, Outcome};
use crate::settings::Request;

#[wasm_bindgen]
extern "C" {
    /// The shim's host object (see `js-shim/host.js`).
    pub type JsHost;

    #[wasm_bindgen(method)]
    fn log(this: &JsHost, level: &str, message: &str);
    #[wasm_bindgen(method, catch, js_name = readFile)]
    fn read_file(this: &JsHost, path: &str) -> Result<Vec<u8>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = writeFile)]
    fn write_file(this: &JsHost, path: &str, bytes: &[u8]) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = realPath)]
    fn real_path(this: &JsHost, path: &str) -> Result<String, JsValue>;
    #[wasm_bindgen(method, js_name = fetch)]
    fn fetch_js(this: &JsHost, request: JsValue) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn now(this: &JsHost) -> f64;
    #[wasm_bindgen(method, js_name = sleep)]
    fn sleep_js(this: &JsHost, ms: f64) -> js_sys::Promise;
    #[wasm_bindgen(method, js_name = randomHex)]
    fn random_hex_js(this: &JsHost, bytes: u32) -> String;
    #[wasm_bindgen(method)]
    fn panic(this: &JsHost, message: &str);
}

thread_local! {
    /// The host of the run in progress, for the panic hook.
    static CURRENT_HOST: RefCell<Option<JsHost>> = const { RefCell::new(None) };
}

fn io_error(error: JsValue) -> IoError {
    let field = |name: &str| {
        js_sys::Reflect::get(&error, &JsValue::from_str(name)).ok().and_then(|v| v.as_string()).unwrap_or_default()
    };
    IoError { code: field("code"), message: field("message") }
}

impl Log for JsHost {
    fn log(&self, level: Level, message: &str) {
        JsHost::log(self, level.as_str(), message);
    }
}

impl Files for JsHost {
    fn read(&self, path: &str) -> Result<Vec<u8>, IoError> {
        self.read_file(path).map_err(io_error)
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), IoError> {
        self.write_file(path, bytes).map_err(io_error)
    }

    fn real_path(&self, path: &str) -> Result<String, IoError> {
        JsHost::real_path(self, path).map_err(io_error)
    }
}

impl Http for JsHost {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let request = serde::Serialize::serialize(&request, &serializer).map_err(|e| HttpError(e.to_string()))?;
        let response = wasm_bindgen_futures::JsFuture::from(self.fetch_js(request)).await.map_err(|e| {
            HttpError(
                js_sys::Reflect::get(&e, &JsValue::from_str("message"))
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_else(|| "request failed".into()),
            )
        })?;
        serde_wasm_bindgen::from_value(response)
            .map_err(|e| HttpError(format!("malformed response from the shim: {e}")))
    }
}

impl Clock for JsHost {
    fn now_ms(&self) -> f64 {
        self.now()
    }

    async fn sleep(&self, ms: u64) {
        // A rejected sleep only ends the wait early.
        let _ = wasm_bindgen_futures::JsFuture::from(self.sleep_js(ms as f64)).await;
    }

    fn random_hex(&self, bytes: usize) -> String {
        self.random_hex_js(bytes as u32)
    }
}

/// Runs the step described by `request` (`{inputs, env, cwd}`) and resolves to its outcome
/// (`{ok, outputs, summary, error?}`).
#[wasm_bindgen]
pub async fn run(request: JsValue, host: JsHost) -> JsValue {
    install_panic_hook(&host);
    let outcome = match serde_wasm_bindgen::from_value::<Request>(request) {
        Ok(request) => modes::run(&request, &host).await,
        Err(e) => Outcome::failed(Failure::message(format!("the shim sent a malformed request: {e}"))),
    };
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&outcome, &serializer).unwrap_or(JsValue::NULL)
}

/// Hands a panic's message to the shim before `panic = "abort"` traps.
fn install_panic_hook(host: &JsHost) {
    CURRENT_HOST.with(|slot| *slot.borrow_mut() = Some(JsValue::from(host).unchecked_into()));
    std::panic::set_hook(Box::new(|info| {
        CURRENT_HOST.with(|slot| {
            if let Ok(slot) = slot.try_borrow() {
                if let Some(host) = slot.as_ref() {
                    host.panic(&info.to_string());
                }
            }
        });
    }));
}
