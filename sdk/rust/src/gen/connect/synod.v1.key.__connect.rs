///Shorthand for `OwnedView<CreateKeyRequestView<'static>>`.
pub type OwnedCreateKeyRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::CreateKeyRequestView<'static>,
>;
///Shorthand for `OwnedView<CreateKeyResponseView<'static>>`.
pub type OwnedCreateKeyResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::CreateKeyResponseView<'static>,
>;
///Shorthand for `OwnedView<ListKeysRequestView<'static>>`.
pub type OwnedListKeysRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ListKeysRequestView<'static>,
>;
///Shorthand for `OwnedView<ListKeysResponseView<'static>>`.
pub type OwnedListKeysResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ListKeysResponseView<'static>,
>;
///Shorthand for `OwnedView<RevokeKeyRequestView<'static>>`.
pub type OwnedRevokeKeyRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RevokeKeyRequestView<'static>,
>;
///Shorthand for `OwnedView<RevokeKeyResponseView<'static>>`.
pub type OwnedRevokeKeyResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RevokeKeyResponseView<'static>,
>;
///Shorthand for `OwnedView<WhoAmIRequestView<'static>>`.
pub type OwnedWhoAmIRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::WhoAmIRequestView<'static>,
>;
///Shorthand for `OwnedView<WhoAmIResponseView<'static>>`.
pub type OwnedWhoAmIResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::WhoAmIResponseView<'static>,
>;
impl ::connectrpc::Encodable<crate::proto::synod::v1::CreateKeyResponse>
for crate::proto::synod::v1::__buffa::view::CreateKeyResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::CreateKeyResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::CreateKeyResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::ListKeysResponse>
for crate::proto::synod::v1::__buffa::view::ListKeysResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::ListKeysResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ListKeysResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::RevokeKeyResponse>
for crate::proto::synod::v1::__buffa::view::RevokeKeyResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::RevokeKeyResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::RevokeKeyResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::WhoAmIResponse>
for crate::proto::synod::v1::__buffa::view::WhoAmIResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::WhoAmIResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::WhoAmIResponseView<'static>,
> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self.reborrow(), codec)
    }
    /// An `OwnedView` still holds the buffer it was decoded from, so
    /// its large fields can be handed to the response body by
    /// reference count instead of copied. The bare view impl above
    /// cannot do this: it has borrows but no buffer to name.
    fn encode_segments(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::connectrpc::EncodedBody, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body_segments(
            self.reborrow(),
            self.bytes(),
            codec,
        )
    }
}
/// Full service name for this service.
pub const KEY_SERVICE_SERVICE_NAME: &str = "synod.v1.KeyService";
/// Static [`Spec`](::connectrpc::Spec) for the `CreateKey` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const KEY_SERVICE_CREATE_KEY_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.KeyService/CreateKey",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `ListKeys` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const KEY_SERVICE_LIST_KEYS_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.KeyService/ListKeys",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::NoSideEffects);
/// Static [`Spec`](::connectrpc::Spec) for the `RevokeKey` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const KEY_SERVICE_REVOKE_KEY_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.KeyService/RevokeKey",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `WhoAmI` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const KEY_SERVICE_WHO_AM_I_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.KeyService/WhoAmI",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::NoSideEffects);
/// KeyService manages API keys. Every public call but the gateway's
/// /healthz carries one, as "Authorization: Bearer \<token\>" (Connect, gRPC,
/// gRPC-Web and plain HTTP alike); a call without a valid key fails with
/// Unauthenticated, and one its key may not make with PermissionDenied.
///
/// A key is a cluster admin, which may make every call in every namespace
/// (ClusterService included), or holds a role in each of some namespaces:
///   - ROLE_READER may get and list modules and shards, and Query;
///   - ROLE_WRITER may also Propose;
///   - ROLE_ADMIN may also upload and delete modules, create, delete and
/// ```text
/// check shards, and create, list and revoke keys whose roles all lie in
/// namespaces it administers.
/// ```
/// Modules and shards belong to a namespace, and no call reaches across:
/// a key with no role in a namespace cannot see that anything is there.
///
/// A new cluster makes one cluster admin key on its first start (see
/// docs/security.md); make the others with CreateKey.
///
/// # Implementing handlers
///
/// Implement methods with plain `async fn`; the returned future satisfies
/// the `Send` bound automatically.
///
/// **Unary and server-streaming requests** arrive as
/// [`ServiceRequest<'_, Req>`](::connectrpc::ServiceRequest): a zero-copy
/// view of the request plus its body, valid for the duration of the call.
/// Fields are read directly (`request.name` is a `&str` into the decoded
/// buffer) and the borrow may be held across `.await` points. Anything
/// that must outlive the call — `tokio::spawn`, channels, server state,
/// or data captured by a returned response stream — takes owned data:
/// call `request.to_owned_message()` (or copy the specific fields)
/// first.
///
/// **Client-streaming and bidi requests** arrive as
/// [`InboundStream<Req>`](::connectrpc::InboundStream) — a
/// `ServiceStream` of [`StreamMessage`](::connectrpc::StreamMessage)s.
/// Each item owns its decoded buffer and is `Send + 'static`, so items
/// can be buffered or moved into spawned tasks; read fields zero-copy
/// through the generated accessor methods (`item.name()`) or `.view()`,
/// convert with `.to_owned_message()`, or yield an item back unchanged —
/// `StreamMessage<M>` implements `Encodable<M>`.
///
/// Request types resolved through `extern_path` (e.g. well-known types
/// from another crate) use the same wrappers; the crate that owns the
/// type must be generated with buffa ≥ 0.9.0 and views enabled so the
/// backing `HasMessageView` impl exists.
///
/// The `impl Encodable<Out>` return bound accepts the owned `Out`, the
/// generated `OutView<'_>` / `OwnedOutView`,
/// [`MaybeBorrowed`](::connectrpc::MaybeBorrowed), or
/// [`PreEncoded`](::connectrpc::PreEncoded) for handlers that encode a
/// non-`'static` view internally and pass the bytes across the handler
/// boundary. View bodies are not emitted for output types mapped via
/// `extern_path` (the impl would be an orphan); return owned for
/// WKT/extern outputs.
///
/// Server-streaming and bidi-streaming methods return
/// `ServiceStream<impl Encodable<Out> + Send + use<Self>>`. The
/// `use<Self>` precise-capturing clause excludes `&self`'s lifetime and
/// the request's lifetime (unary methods use `use<'a, Self>` and may
/// borrow from `&self`), so stream items must be `'static` and cannot
/// borrow from the request. To stream view-encoded data, encode each
/// item inside the stream body and yield
/// [`PreEncoded`](::connectrpc::PreEncoded) — see its `# Streaming
/// example` doc.
#[allow(clippy::type_complexity)]
pub trait KeyService: Send + Sync + 'static {
    /// CreateKey makes a key and returns its token, which is shown this once:
    /// the cluster keeps only a hash of its secret.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn create_key<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::CreateKeyRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::CreateKeyResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// ListKeys describes the keys the caller may manage, ordered by id.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn list_keys<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::ListKeysRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::ListKeysResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// RevokeKey deletes a key the caller may manage. Every gateway refuses
    /// it within a few seconds (docs/security.md).
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn revoke_key<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::RevokeKeyRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::RevokeKeyResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// WhoAmI describes the caller's own key.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn who_am_i<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<'_, crate::proto::synod::v1::WhoAmIRequest>,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::WhoAmIResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
}
/// Extension trait for registering a service implementation with a Router.
///
/// This trait is automatically implemented for all types that implement the service trait.
/// Prefer [`Router::add_service`](::connectrpc::Router::add_service) for
/// top-down registration; `register` remains available for compatibility
/// and cases where the service-first call shape is more convenient.
///
/// # Example
///
/// ```rust,ignore
/// use std::sync::Arc;
///
/// let service = Arc::new(MyServiceImpl);
/// let router = service.register(Router::new());
/// ```
pub trait KeyServiceExt: KeyService {
    /// Register this service implementation with a Router.
    ///
    /// Takes ownership of the `Arc<Self>` and returns a new Router with
    /// this service's methods registered.
    fn register(
        self: ::std::sync::Arc<Self>,
        router: ::connectrpc::Router,
    ) -> ::connectrpc::Router;
}
impl<S: KeyService> KeyServiceExt for S {
    fn register(
        self: ::std::sync::Arc<Self>,
        router: ::connectrpc::Router,
    ) -> ::connectrpc::Router {
        router
            .route_view(
                KEY_SERVICE_SERVICE_NAME,
                "CreateKey",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::CreateKeyRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::CreateKeyRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.create_key(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::CreateKeyResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(KEY_SERVICE_CREATE_KEY_SPEC)
            .route_view_idempotent(
                KEY_SERVICE_SERVICE_NAME,
                "ListKeys",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::ListKeysRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::ListKeysRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.list_keys(ctx, sreq)
                                .await?
                                .encode::<crate::proto::synod::v1::ListKeysResponse>(format)
                        }
                    })
                },
            )
            .with_spec(KEY_SERVICE_LIST_KEYS_SPEC)
            .route_view(
                KEY_SERVICE_SERVICE_NAME,
                "RevokeKey",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::RevokeKeyRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::RevokeKeyRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.revoke_key(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::RevokeKeyResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(KEY_SERVICE_REVOKE_KEY_SPEC)
            .route_view_idempotent(
                KEY_SERVICE_SERVICE_NAME,
                "WhoAmI",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::WhoAmIRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::WhoAmIRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.who_am_i(ctx, sreq)
                                .await?
                                .encode::<crate::proto::synod::v1::WhoAmIResponse>(format)
                        }
                    })
                },
            )
            .with_spec(KEY_SERVICE_WHO_AM_I_SPEC)
    }
}
/// Type-inference marker used by [`Router::add_service`](::connectrpc::Router::add_service).
#[doc(hidden)]
pub struct KeyServiceRegisterMarker;
impl<S: KeyService> ::connectrpc::ServiceRegister<KeyServiceRegisterMarker>
for ::std::sync::Arc<S> {
    fn register_service(self, router: ::connectrpc::Router) -> ::connectrpc::Router {
        <S as KeyServiceExt>::register(self, router)
    }
}
/// Monomorphic dispatcher for `KeyService`.
///
/// Unlike `.register(Router)` which type-erases each method into an `Arc<dyn ErasedHandler>` stored in a `HashMap`, this struct dispatches via a compile-time `match` on method name: no vtable, no hash lookup.
///
/// # Example
///
/// ```rust,ignore
/// use connectrpc::ConnectRpcService;
///
/// let server = KeyServiceServer::new(MyImpl);
/// let service = ConnectRpcService::new(server);
/// // hand `service` to axum/hyper as a fallback_service
/// ```
pub struct KeyServiceServer<T> {
    inner: ::std::sync::Arc<T>,
}
impl<T: KeyService> KeyServiceServer<T> {
    /// Wrap a service implementation in a monomorphic dispatcher.
    pub fn new(service: T) -> Self {
        Self {
            inner: ::std::sync::Arc::new(service),
        }
    }
    /// Wrap an already-`Arc`'d service implementation.
    pub fn from_arc(inner: ::std::sync::Arc<T>) -> Self {
        Self { inner }
    }
}
impl<T> Clone for KeyServiceServer<T> {
    fn clone(&self) -> Self {
        Self {
            inner: ::std::sync::Arc::clone(&self.inner),
        }
    }
}
impl<T: KeyService> ::connectrpc::Dispatcher for KeyServiceServer<T> {
    #[inline]
    fn lookup(
        &self,
        path: &str,
    ) -> Option<::connectrpc::dispatcher::codegen::MethodDescriptor> {
        let method = path.strip_prefix("synod.v1.KeyService/")?;
        match method {
            "CreateKey" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(KEY_SERVICE_CREATE_KEY_SPEC),
                )
            }
            "ListKeys" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(true)
                        .with_spec(KEY_SERVICE_LIST_KEYS_SPEC),
                )
            }
            "RevokeKey" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(KEY_SERVICE_REVOKE_KEY_SPEC),
                )
            }
            "WhoAmI" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(true)
                        .with_spec(KEY_SERVICE_WHO_AM_I_SPEC),
                )
            }
            _ => None,
        }
    }
    fn call_unary(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::Payload,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::UnaryResult {
        let Some(method) = path.strip_prefix("synod.v1.KeyService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_unary(path);
        };
        let _ = (&ctx, &request, &format);
        match method {
            "CreateKey" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::CreateKeyRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::CreateKeyRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::CreateKeyRequest,
                    >::from_parts(&req, &body);
                    svc.create_key(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::CreateKeyResponse>(format)
                })
            }
            "ListKeys" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::ListKeysRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::ListKeysRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::ListKeysRequest,
                    >::from_parts(&req, &body);
                    svc.list_keys(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::ListKeysResponse>(format)
                })
            }
            "RevokeKey" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::RevokeKeyRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::RevokeKeyRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::RevokeKeyRequest,
                    >::from_parts(&req, &body);
                    svc.revoke_key(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::RevokeKeyResponse>(format)
                })
            }
            "WhoAmI" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::WhoAmIRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::WhoAmIRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::WhoAmIRequest,
                    >::from_parts(&req, &body);
                    svc.who_am_i(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::WhoAmIResponse>(format)
                })
            }
            _ => ::connectrpc::dispatcher::codegen::unimplemented_unary(path),
        }
    }
    fn call_server_streaming(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        request: ::buffa::bytes::Bytes,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::StreamingResult {
        let Some(method) = path.strip_prefix("synod.v1.KeyService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_streaming(path);
        };
        let _ = (&ctx, &request, &format);
        match method {
            _ => ::connectrpc::dispatcher::codegen::unimplemented_streaming(path),
        }
    }
    fn call_client_streaming(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        requests: ::connectrpc::dispatcher::codegen::RequestStream,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::UnaryResult {
        let Some(method) = path.strip_prefix("synod.v1.KeyService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_unary(path);
        };
        let _ = (&ctx, &requests, &format);
        match method {
            _ => ::connectrpc::dispatcher::codegen::unimplemented_unary(path),
        }
    }
    fn call_bidi_streaming(
        &self,
        path: &str,
        ctx: ::connectrpc::RequestContext,
        requests: ::connectrpc::dispatcher::codegen::RequestStream,
        format: ::connectrpc::CodecFormat,
    ) -> ::connectrpc::dispatcher::codegen::StreamingResult {
        let Some(method) = path.strip_prefix("synod.v1.KeyService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_streaming(path);
        };
        let _ = (&ctx, &requests, &format);
        match method {
            _ => ::connectrpc::dispatcher::codegen::unimplemented_streaming(path),
        }
    }
}
/// Client for this service.
///
/// Generic over `T: ClientTransport`. For **gRPC** (HTTP/2), use
/// `Http2Connection` — it has honest `poll_ready` and composes with
/// `tower::balance` for multi-connection load balancing. For **Connect
/// over HTTP/1.1** (or unknown protocol), use `HttpClient`.
///
/// # Example (gRPC / HTTP/2)
///
/// ```rust,ignore
/// use connectrpc::client::{Http2Connection, ClientConfig};
/// use connectrpc::Protocol;
///
/// let uri: http::Uri = "http://localhost:8080".parse()?;
/// let conn = Http2Connection::connect_plaintext(uri.clone()).await?.shared(1024);
/// let config = ClientConfig::new(uri).with_protocol(Protocol::Grpc);
///
/// let client = KeyServiceClient::new(conn, config);
/// let response = client.create_key(request).await?;
/// ```
///
/// # Example (Connect / HTTP/1.1 or ALPN)
///
/// ```rust,ignore
/// use connectrpc::client::{HttpClient, ClientConfig};
///
/// let http = HttpClient::plaintext();  // cleartext http:// only
/// let config = ClientConfig::new("http://localhost:8080".parse()?);
///
/// let client = KeyServiceClient::new(http, config);
/// let response = client.create_key(request).await?;
/// ```
///
/// # Working with the response
///
/// Unary calls return [`UnaryResponse<OwnedView<FooView>>`](::connectrpc::client::UnaryResponse).
/// [`view()`](::connectrpc::client::UnaryResponse::view) borrows the response
/// message, so field access is zero-copy:
///
/// ```rust,ignore
/// let resp = client.create_key(request).await?;
/// let name: &str = resp.view().name;  // borrow into the response buffer
/// ```
///
/// If you need the owned struct (e.g. to store or pass by value), use
/// [`into_owned()`](::connectrpc::client::UnaryResponse::into_owned):
///
/// ```rust,ignore
/// let owned = client.create_key(request).await?.into_owned();
/// ```
///
/// [`into_view()`](::connectrpc::client::UnaryResponse::into_view) keeps the
/// zero-copy decoded body (an `OwnedView`) without copying; field access on it
/// goes through `.reborrow()`. Streaming responses yield one
/// [`StreamMessage`](::connectrpc::StreamMessage) per received message from
/// `.message().await` — read fields zero-copy through the generated accessor
/// methods (`msg.name()`) or `.view()`, or convert with `.to_owned_message()`.
#[derive(Clone)]
pub struct KeyServiceClient<T> {
    transport: T,
    config: ::connectrpc::client::ClientConfig,
}
impl<T> KeyServiceClient<T>
where
    T: ::connectrpc::client::ClientTransport,
    <T::ResponseBody as ::connectrpc::http_body::Body>::Error: ::std::fmt::Display,
{
    /// Create a new client with the given transport and configuration.
    pub fn new(transport: T, config: ::connectrpc::client::ClientConfig) -> Self {
        Self { transport, config }
    }
    /// Get the client configuration.
    pub fn config(&self) -> &::connectrpc::client::ClientConfig {
        &self.config
    }
    /// Get a mutable reference to the client configuration.
    pub fn config_mut(&mut self) -> &mut ::connectrpc::client::ClientConfig {
        &mut self.config
    }
    /// Call the CreateKey RPC. Sends a request to /synod.v1.KeyService/CreateKey.
    pub async fn create_key(
        &self,
        request: crate::proto::synod::v1::CreateKeyRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::CreateKeyResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.create_key_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the CreateKey RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn create_key_with_options(
        &self,
        request: crate::proto::synod::v1::CreateKeyRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::CreateKeyResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                KEY_SERVICE_CREATE_KEY_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the ListKeys RPC. Sends a request to /synod.v1.KeyService/ListKeys.
    pub async fn list_keys(
        &self,
        request: crate::proto::synod::v1::ListKeysRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ListKeysResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.list_keys_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the ListKeys RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn list_keys_with_options(
        &self,
        request: crate::proto::synod::v1::ListKeysRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ListKeysResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                KEY_SERVICE_LIST_KEYS_SPEC.with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the RevokeKey RPC. Sends a request to /synod.v1.KeyService/RevokeKey.
    pub async fn revoke_key(
        &self,
        request: crate::proto::synod::v1::RevokeKeyRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::RevokeKeyResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.revoke_key_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the RevokeKey RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn revoke_key_with_options(
        &self,
        request: crate::proto::synod::v1::RevokeKeyRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::RevokeKeyResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                KEY_SERVICE_REVOKE_KEY_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the WhoAmI RPC. Sends a request to /synod.v1.KeyService/WhoAmI.
    pub async fn who_am_i(
        &self,
        request: crate::proto::synod::v1::WhoAmIRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::WhoAmIResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.who_am_i_with_options(request, ::connectrpc::client::CallOptions::default())
            .await
    }
    /// Call the WhoAmI RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn who_am_i_with_options(
        &self,
        request: crate::proto::synod::v1::WhoAmIRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::WhoAmIResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                KEY_SERVICE_WHO_AM_I_SPEC.with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
}
