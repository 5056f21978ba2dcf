//! Modules: upload, get, list, delete.

use std::path::Path;

use crate::proto::synod::v1 as api;
use crate::{Client, Code, Error, Module};

impl Client {
    /// Validates and stores a WebAssembly module, and returns its metadata;
    /// its hash names it from then on. Uploading the same bytes again is
    /// harmless: modules are content-addressed, so an upload is retried
    /// like a query.
    pub async fn upload_module(&self, wasm: impl Into<Vec<u8>>) -> Result<Module, Error> {
        let s = self.services();
        let req = api::UploadModuleRequest {
            wasm: wasm.into(),
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || "upload module".into(),
                true,
                |o| {
                    let req = req.clone();
                    async move { Ok(s.modules.upload_module_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(res.module.into_option().unwrap_or_default())
    }

    /// Uploads the WebAssembly module in the file at `path`, as
    /// [`Client::upload_module`] does.
    pub async fn upload_module_file(&self, path: impl AsRef<Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let wasm = tokio::fs::read(path).await.map_err(|e| {
            Error::local(Code::InvalidArgument, format!("read {}: {e}", path.display())).context("upload module".into())
        })?;
        self.upload_module(wasm).await
    }

    /// Returns the metadata of the module with the given hash.
    pub async fn get_module(&self, hash: &str) -> Result<Module, Error> {
        let s = self.services();
        let req = api::GetModuleRequest {
            hash: hash.into(),
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || format!("get module {hash}"),
                true,
                |o| {
                    let req = req.clone();
                    async move { Ok(s.modules.get_module_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(res.module.into_option().unwrap_or_default())
    }

    /// Returns the metadata of every module of the namespace, ordered by
    /// hash.
    pub async fn list_modules(&self) -> Result<Vec<Module>, Error> {
        let s = self.services();
        let req = api::ListModulesRequest {
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || "list modules".into(),
                true,
                |o| {
                    let req = req.clone();
                    async move { Ok(s.modules.list_modules_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(res.modules)
    }

    /// Deletes the module with the given hash. It fails with
    /// [`Code::FailedPrecondition`] while a shard runs the module.
    pub async fn delete_module(&self, hash: &str) -> Result<(), Error> {
        let s = self.services();
        let req = api::DeleteModuleRequest {
            hash: hash.into(),
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        self.call(
            || format!("delete module {hash}"),
            false,
            |o| {
                let req = req.clone();
                async move { s.modules.delete_module_with_options(req, o).await.map(drop) }
            },
        )
        .await
    }
}
