///Shorthand for `OwnedView<ProposeRequestView<'static>>`.
pub type OwnedProposeRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeRequestView<'static>,
>;
///Shorthand for `OwnedView<ProposeResponseView<'static>>`.
pub type OwnedProposeResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeResponseView<'static>,
>;
///Shorthand for `OwnedView<ProposeBatchRequestView<'static>>`.
pub type OwnedProposeBatchRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeBatchRequestView<'static>,
>;
///Shorthand for `OwnedView<ProposeBatchResponseView<'static>>`.
pub type OwnedProposeBatchResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeBatchResponseView<'static>,
>;
///Shorthand for `OwnedView<QueryRequestView<'static>>`.
pub type OwnedQueryRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::QueryRequestView<'static>,
>;
///Shorthand for `OwnedView<QueryResponseView<'static>>`.
pub type OwnedQueryResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::QueryResponseView<'static>,
>;
///Shorthand for `OwnedView<ProposeRawRequestView<'static>>`.
pub type OwnedProposeRawRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeRawRequestView<'static>,
>;
///Shorthand for `OwnedView<ProposeRawResponseView<'static>>`.
pub type OwnedProposeRawResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeRawResponseView<'static>,
>;
///Shorthand for `OwnedView<QueryRawRequestView<'static>>`.
pub type OwnedQueryRawRequestView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::QueryRawRequestView<'static>,
>;
///Shorthand for `OwnedView<QueryRawResponseView<'static>>`.
pub type OwnedQueryRawResponseView = ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::QueryRawResponseView<'static>,
>;
impl ::connectrpc::Encodable<crate::proto::synod::v1::ProposeResponse>
for crate::proto::synod::v1::__buffa::view::ProposeResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::ProposeResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeResponseView<'static>,
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
impl ::connectrpc::Encodable<crate::proto::synod::v1::ProposeBatchResponse>
for crate::proto::synod::v1::__buffa::view::ProposeBatchResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::ProposeBatchResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeBatchResponseView<'static>,
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
impl ::connectrpc::Encodable<crate::proto::synod::v1::QueryResponse>
for crate::proto::synod::v1::__buffa::view::QueryResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::QueryResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::QueryResponseView<'static>,
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
impl ::connectrpc::Encodable<crate::proto::synod::v1::ProposeRawResponse>
for crate::proto::synod::v1::__buffa::view::ProposeRawResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::ProposeRawResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::ProposeRawResponseView<'static>,
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
impl ::connectrpc::Encodable<crate::proto::synod::v1::QueryRawResponse>
for crate::proto::synod::v1::__buffa::view::QueryRawResponseView<'_> {
    fn encode(
        &self,
        codec: ::connectrpc::CodecFormat,
    ) -> ::std::result::Result<::buffa::bytes::Bytes, ::connectrpc::ConnectError> {
        ::connectrpc::__codegen::encode_view_body(self, codec)
    }
}
impl ::connectrpc::Encodable<crate::proto::synod::v1::QueryRawResponse>
for ::buffa::view::OwnedView<
    crate::proto::synod::v1::__buffa::view::QueryRawResponseView<'static>,
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
pub const DATA_SERVICE_SERVICE_NAME: &str = "synod.v1.DataService";
/// Static [`Spec`](::connectrpc::Spec) for the `Propose` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const DATA_SERVICE_PROPOSE_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.DataService/Propose",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `ProposeBatch` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const DATA_SERVICE_PROPOSE_BATCH_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.DataService/ProposeBatch",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `Query` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const DATA_SERVICE_QUERY_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.DataService/Query",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::NoSideEffects);
/// Static [`Spec`](::connectrpc::Spec) for the `ProposeRaw` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const DATA_SERVICE_PROPOSE_RAW_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.DataService/ProposeRaw",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::Unknown);
/// Static [`Spec`](::connectrpc::Spec) for the `QueryRaw` RPC, as seen by the server; the generated client passes it with [`origin`](::connectrpc::Spec::origin) `Client` (compare across sides with [`Spec::same_method`](::connectrpc::Spec::same_method)).
pub const DATA_SERVICE_QUERY_RAW_SPEC: ::connectrpc::Spec = ::connectrpc::Spec::server(
        "/synod.v1.DataService/QueryRaw",
        ::connectrpc::StreamType::Unary,
    )
    .with_idempotency_level(::connectrpc::IdempotencyLevel::NoSideEffects);
/// DataService is the data plane: commands and queries to a shard's module.
/// Every Propose, ProposeBatch and Query response reports the fuel the call
/// used, in its fuel_used fields and in the Synod-Fuel-Used header, which
/// failed Proposes and Queries (a module's error, a trap) carry too.
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
pub trait DataService: Send + Sync + 'static {
    /// Propose appends a command to the shard's Raft log, waits until a majority
    /// has committed it and the local replica has applied it, and returns the
    /// module's result and the log index. It is linearizable.
    ///
    /// Every failed Propose carries a ProposeFailure error detail saying
    /// whether the command was applied: retrying one that was not is safe. A
    /// command with an idempotency key runs at most once, so retrying it is
    /// always safe; the gateway itself retries a keyed command whose outcome
    /// is unknown, until the call's deadline. Without a key, retry a command
    /// whose outcome is unknown only if running it twice does no harm.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn propose<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::ProposeRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::ProposeResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// ProposeBatch appends several commands to the shard's Raft log in one
    /// entry, and returns each command's result or failure: fewer round
    /// trips and fewer entries than as many Proposes. An atomic batch keeps
    /// the writes of all of its commands or of none (the first command that
    /// fails makes every one fail); the commands of one that is not succeed or
    /// fail each on its own. Each command has its own fuel budget, write
    /// limits and idempotency key. A failure of the call itself (the batch's
    /// outcome unknown, no leader) is the call's error, with a ProposeFailure
    /// detail, as for Propose; the gateway retries a batch whose commands all
    /// have keys whatever became of it. Over REST, POST
    /// /v1/shards/{shard}:proposeBatch takes the request as JSON.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn propose_batch<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::ProposeBatchRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::ProposeBatchResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// Query runs a read-only query against the shard's state at the requested
    /// consistency. Queries also work as Connect GET requests.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn query<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<'_, crate::proto::synod::v1::QueryRequest>,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::QueryResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// ProposeRaw is Propose for plain HTTP clients (curl, webhooks, a
    /// browser's fetch): POST /v1/shards/{shard}:propose takes the command as
    /// the request body, of any content type, and answers with the module's
    /// result as the response body; the Synod-Index, Synod-Fuel-Used and
    /// Synod-Replayed response headers carry the rest (docs/api.md). RPC
    /// clients call Propose instead.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn propose_raw<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::ProposeRawRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::ProposeRawResponse,
            > + Send + use<'a, Self>,
        >,
    > + Send;
    /// QueryRaw is Query for plain HTTP clients: POST
    /// /v1/shards/{shard}:query takes the query as the request body, and GET
    /// /v1/shards/{shard}:query?text=... as text in the URL; either answers
    /// with the module's result as the response body, and the Synod-Index and
    /// Synod-Fuel-Used headers. RPC clients call Query instead.
    ///
    /// `'a` lets the response body borrow from `&self` (e.g. server-resident state).
    ///
    /// `request` is borrowed from the request body and is valid for the
    /// duration of the call; message fields are read directly on it
    /// (zero-copy). The response cannot borrow from `request` — use
    /// `.to_owned_message()` (or copy the specific fields) for anything
    /// returned, stored, or moved into `tokio::spawn`.
    fn query_raw<'a>(
        &'a self,
        ctx: ::connectrpc::RequestContext,
        request: ::connectrpc::ServiceRequest<
            '_,
            crate::proto::synod::v1::QueryRawRequest,
        >,
    ) -> impl ::std::future::Future<
        Output = ::connectrpc::ServiceResult<
            impl ::connectrpc::Encodable<
                crate::proto::synod::v1::QueryRawResponse,
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
pub trait DataServiceExt: DataService {
    /// Register this service implementation with a Router.
    ///
    /// Takes ownership of the `Arc<Self>` and returns a new Router with
    /// this service's methods registered.
    fn register(
        self: ::std::sync::Arc<Self>,
        router: ::connectrpc::Router,
    ) -> ::connectrpc::Router;
}
impl<S: DataService> DataServiceExt for S {
    fn register(
        self: ::std::sync::Arc<Self>,
        router: ::connectrpc::Router,
    ) -> ::connectrpc::Router {
        router
            .route_view(
                DATA_SERVICE_SERVICE_NAME,
                "Propose",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::ProposeRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::ProposeRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.propose(ctx, sreq)
                                .await?
                                .encode::<crate::proto::synod::v1::ProposeResponse>(format)
                        }
                    })
                },
            )
            .with_spec(DATA_SERVICE_PROPOSE_SPEC)
            .route_view(
                DATA_SERVICE_SERVICE_NAME,
                "ProposeBatch",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::ProposeBatchRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::ProposeBatchRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.propose_batch(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::ProposeBatchResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(DATA_SERVICE_PROPOSE_BATCH_SPEC)
            .route_view_idempotent(
                DATA_SERVICE_SERVICE_NAME,
                "Query",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::QueryRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::QueryRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.query(ctx, sreq)
                                .await?
                                .encode::<crate::proto::synod::v1::QueryResponse>(format)
                        }
                    })
                },
            )
            .with_spec(DATA_SERVICE_QUERY_SPEC)
            .route_view(
                DATA_SERVICE_SERVICE_NAME,
                "ProposeRaw",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::ProposeRawRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::ProposeRawRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.propose_raw(ctx, sreq)
                                .await?
                                .encode::<
                                    crate::proto::synod::v1::ProposeRawResponse,
                                >(format)
                        }
                    })
                },
            )
            .with_spec(DATA_SERVICE_PROPOSE_RAW_SPEC)
            .route_view_idempotent(
                DATA_SERVICE_SERVICE_NAME,
                "QueryRaw",
                {
                    let svc = ::std::sync::Arc::clone(&self);
                    ::connectrpc::view_handler_fn(move |
                        ctx,
                        req: ::buffa::view::OwnedView<
                            crate::proto::synod::v1::__buffa::view::QueryRawRequestView<
                                'static,
                            >,
                        >,
                        format|
                    {
                        let svc = ::std::sync::Arc::clone(&svc);
                        async move {
                            let sreq = ::connectrpc::ServiceRequest::<
                                crate::proto::synod::v1::QueryRawRequest,
                            >::from_parts(req.reborrow(), req.bytes());
                            svc.query_raw(ctx, sreq)
                                .await?
                                .encode::<crate::proto::synod::v1::QueryRawResponse>(format)
                        }
                    })
                },
            )
            .with_spec(DATA_SERVICE_QUERY_RAW_SPEC)
    }
}
/// Type-inference marker used by [`Router::add_service`](::connectrpc::Router::add_service).
#[doc(hidden)]
pub struct DataServiceRegisterMarker;
impl<S: DataService> ::connectrpc::ServiceRegister<DataServiceRegisterMarker>
for ::std::sync::Arc<S> {
    fn register_service(self, router: ::connectrpc::Router) -> ::connectrpc::Router {
        <S as DataServiceExt>::register(self, router)
    }
}
/// Monomorphic dispatcher for `DataService`.
///
/// Unlike `.register(Router)` which type-erases each method into an `Arc<dyn ErasedHandler>` stored in a `HashMap`, this struct dispatches via a compile-time `match` on method name: no vtable, no hash lookup.
///
/// # Example
///
/// ```rust,ignore
/// use connectrpc::ConnectRpcService;
///
/// let server = DataServiceServer::new(MyImpl);
/// let service = ConnectRpcService::new(server);
/// // hand `service` to axum/hyper as a fallback_service
/// ```
pub struct DataServiceServer<T> {
    inner: ::std::sync::Arc<T>,
}
impl<T: DataService> DataServiceServer<T> {
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
impl<T> Clone for DataServiceServer<T> {
    fn clone(&self) -> Self {
        Self {
            inner: ::std::sync::Arc::clone(&self.inner),
        }
    }
}
impl<T: DataService> ::connectrpc::Dispatcher for DataServiceServer<T> {
    #[inline]
    fn lookup(
        &self,
        path: &str,
    ) -> Option<::connectrpc::dispatcher::codegen::MethodDescriptor> {
        let method = path.strip_prefix("synod.v1.DataService/")?;
        match method {
            "Propose" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(DATA_SERVICE_PROPOSE_SPEC),
                )
            }
            "ProposeBatch" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(DATA_SERVICE_PROPOSE_BATCH_SPEC),
                )
            }
            "Query" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(true)
                        .with_spec(DATA_SERVICE_QUERY_SPEC),
                )
            }
            "ProposeRaw" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(false)
                        .with_spec(DATA_SERVICE_PROPOSE_RAW_SPEC),
                )
            }
            "QueryRaw" => {
                Some(
                    ::connectrpc::dispatcher::codegen::MethodDescriptor::unary(true)
                        .with_spec(DATA_SERVICE_QUERY_RAW_SPEC),
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
        let Some(method) = path.strip_prefix("synod.v1.DataService/") else {
            return ::connectrpc::dispatcher::codegen::unimplemented_unary(path);
        };
        let _ = (&ctx, &request, &format);
        match method {
            "Propose" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::ProposeRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::ProposeRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::ProposeRequest,
                    >::from_parts(&req, &body);
                    svc.propose(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::ProposeResponse>(format)
                })
            }
            "ProposeBatch" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::ProposeBatchRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::ProposeBatchRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::ProposeBatchRequest,
                    >::from_parts(&req, &body);
                    svc.propose_batch(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::ProposeBatchResponse>(format)
                })
            }
            "Query" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::QueryRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::QueryRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::QueryRequest,
                    >::from_parts(&req, &body);
                    svc.query(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::QueryResponse>(format)
                })
            }
            "ProposeRaw" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::ProposeRawRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::ProposeRawRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::ProposeRawRequest,
                    >::from_parts(&req, &body);
                    svc.propose_raw(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::ProposeRawResponse>(format)
                })
            }
            "QueryRaw" => {
                let svc = ::std::sync::Arc::clone(&self.inner);
                Box::pin(async move {
                    let body = ::connectrpc::dispatcher::codegen::request_proto_bytes::<
                        crate::proto::synod::v1::QueryRawRequest,
                    >(request.encoded()?, format)?;
                    let req: crate::proto::synod::v1::__buffa::view::QueryRawRequestView<
                        '_,
                    > = ::connectrpc::dispatcher::codegen::decode_borrowed_request_view(
                        &body,
                        ctx.decode_options(),
                    )?;
                    let req = ::connectrpc::ServiceRequest::<
                        crate::proto::synod::v1::QueryRawRequest,
                    >::from_parts(&req, &body);
                    svc.query_raw(ctx, req)
                        .await?
                        .encode::<crate::proto::synod::v1::QueryRawResponse>(format)
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
        let Some(method) = path.strip_prefix("synod.v1.DataService/") else {
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
        let Some(method) = path.strip_prefix("synod.v1.DataService/") else {
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
        let Some(method) = path.strip_prefix("synod.v1.DataService/") else {
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
/// let client = DataServiceClient::new(conn, config);
/// let response = client.propose(request).await?;
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
/// let client = DataServiceClient::new(http, config);
/// let response = client.propose(request).await?;
/// ```
///
/// # Working with the response
///
/// Unary calls return [`UnaryResponse<OwnedView<FooView>>`](::connectrpc::client::UnaryResponse).
/// [`view()`](::connectrpc::client::UnaryResponse::view) borrows the response
/// message, so field access is zero-copy:
///
/// ```rust,ignore
/// let resp = client.propose(request).await?;
/// let name: &str = resp.view().name;  // borrow into the response buffer
/// ```
///
/// If you need the owned struct (e.g. to store or pass by value), use
/// [`into_owned()`](::connectrpc::client::UnaryResponse::into_owned):
///
/// ```rust,ignore
/// let owned = client.propose(request).await?.into_owned();
/// ```
///
/// [`into_view()`](::connectrpc::client::UnaryResponse::into_view) keeps the
/// zero-copy decoded body (an `OwnedView`) without copying; field access on it
/// goes through `.reborrow()`. Streaming responses yield one
/// [`StreamMessage`](::connectrpc::StreamMessage) per received message from
/// `.message().await` — read fields zero-copy through the generated accessor
/// methods (`msg.name()`) or `.view()`, or convert with `.to_owned_message()`.
#[derive(Clone)]
pub struct DataServiceClient<T> {
    transport: T,
    config: ::connectrpc::client::ClientConfig,
}
impl<T> DataServiceClient<T>
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
    /// Call the Propose RPC. Sends a request to /synod.v1.DataService/Propose.
    pub async fn propose(
        &self,
        request: crate::proto::synod::v1::ProposeRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ProposeResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.propose_with_options(request, ::connectrpc::client::CallOptions::default())
            .await
    }
    /// Call the Propose RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn propose_with_options(
        &self,
        request: crate::proto::synod::v1::ProposeRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ProposeResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                DATA_SERVICE_PROPOSE_SPEC.with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the ProposeBatch RPC. Sends a request to /synod.v1.DataService/ProposeBatch.
    pub async fn propose_batch(
        &self,
        request: crate::proto::synod::v1::ProposeBatchRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ProposeBatchResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.propose_batch_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the ProposeBatch RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn propose_batch_with_options(
        &self,
        request: crate::proto::synod::v1::ProposeBatchRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ProposeBatchResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                DATA_SERVICE_PROPOSE_BATCH_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the Query RPC. Sends a request to /synod.v1.DataService/Query.
    pub async fn query(
        &self,
        request: crate::proto::synod::v1::QueryRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::QueryResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.query_with_options(request, ::connectrpc::client::CallOptions::default())
            .await
    }
    /// Call the Query RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn query_with_options(
        &self,
        request: crate::proto::synod::v1::QueryRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::QueryResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                DATA_SERVICE_QUERY_SPEC.with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the ProposeRaw RPC. Sends a request to /synod.v1.DataService/ProposeRaw.
    pub async fn propose_raw(
        &self,
        request: crate::proto::synod::v1::ProposeRawRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ProposeRawResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.propose_raw_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the ProposeRaw RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn propose_raw_with_options(
        &self,
        request: crate::proto::synod::v1::ProposeRawRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::ProposeRawResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                DATA_SERVICE_PROPOSE_RAW_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
    /// Call the QueryRaw RPC. Sends a request to /synod.v1.DataService/QueryRaw.
    pub async fn query_raw(
        &self,
        request: crate::proto::synod::v1::QueryRawRequest,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::QueryRawResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        self.query_raw_with_options(
                request,
                ::connectrpc::client::CallOptions::default(),
            )
            .await
    }
    /// Call the QueryRaw RPC with explicit per-call options. Options override [`ClientConfig`](::connectrpc::client::ClientConfig) defaults.
    pub async fn query_raw_with_options(
        &self,
        request: crate::proto::synod::v1::QueryRawRequest,
        options: ::connectrpc::client::CallOptions,
    ) -> Result<
        ::connectrpc::client::UnaryResponse<
            ::buffa::view::OwnedView<
                crate::proto::synod::v1::__buffa::view::QueryRawResponseView<'static>,
            >,
        >,
        ::connectrpc::ConnectError,
    > {
        ::connectrpc::client::call_unary(
                &self.transport,
                &self.config,
                DATA_SERVICE_QUERY_RAW_SPEC
                    .with_origin(::connectrpc::SpecOrigin::Client),
                request,
                options,
            )
            .await
    }
}
