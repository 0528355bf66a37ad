use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parse;
use syn::parse::ParseStream;
use syn::parse_quote;
use syn::Field;
use syn::Path;
use syn::Type;
use syn::{Ident, LitStr};

use proc_macro2::TokenStream as TokenStream2;

use crate::hash::HashFragment;
use crate::layout::Layout;
use crate::layout::LayoutId;
use crate::nest::Nest;
use crate::nest::NestId;
use crate::query::QuerySegment;
use crate::segment::create_error_type;
use crate::segment::parse_route_segments;
use crate::segment::RouteSegment;

struct RouteArgs {
    route: LitStr,
    comp_name: Option<Path>,
}

impl Parse for RouteArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let route = input.parse::<LitStr>()?;

        Ok(RouteArgs {
            route,
            comp_name: {
                let _ = input.parse::<syn::Token![,]>();
                input.parse().ok()
            },
        })
    }
}

struct ChildArgs {
    route: LitStr,
}

impl Parse for ChildArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let route = input.parse::<LitStr>()?;

        Ok(ChildArgs { route })
    }
}

#[derive(Debug)]
pub(crate) struct Route {
    pub route_name: Ident,
    pub ty: RouteType,
    pub route: String,
    pub segments: Vec<RouteSegment>,
    pub query: Option<QuerySegment>,
    pub hash: Option<HashFragment>,
    pub nests: Vec<NestId>,
    pub layouts: Vec<LayoutId>,
    fields: Vec<(Ident, Type)>,
}

impl Route {
    pub(crate) fn parse(
        nests: Vec<NestId>,
        layouts: Vec<LayoutId>,
        variant: syn::Variant,
    ) -> syn::Result<Self> {
        let route_attr = variant
            .attrs
            .iter()
            .find(|attr| attr.path().is_ident("route"));
        let route;
        let ty;
        let route_name = variant.ident.clone();
        match route_attr {
            Some(attr) => {
                let args = attr.parse_args::<RouteArgs>()?;
                let comp_name = args.comp_name.unwrap_or_else(|| parse_quote!(#route_name));
                ty = RouteType::Leaf {
                    component: comp_name,
                };
                route = args.route.value();
            }
            None => {
                if let Some(route_attr) = variant
                    .attrs
                    .iter()
                    .find(|attr| attr.path().is_ident("child"))
                {
                    let args = route_attr.parse_args::<ChildArgs>()?;
                    route = args.route.value();
                    match &variant.fields {
                        syn::Fields::Named(fields) => {
                            // find either a field with #[child] or a field named "child"
                            let child_field = fields.named.iter().find(|f| {
                                f.attrs
                                    .iter()
                                    .any(|attr| attr.path().is_ident("child"))
                                    || *f.ident.as_ref().unwrap() == "child"
                            });
                            match child_field{
                                Some(child) => {
                                    ty = RouteType::Child(child.clone());
                                }
                                None => {
                                    return Err(syn::Error::new_spanned(
                                        variant.clone(),
                                        "Routable variants with a #[child(..)] attribute must have a field named \"child\" or a field with a #[child] attribute",
                                    ));
                                }
                            }
                        }
                        _ => {
                            return Err(syn::Error::new_spanned(
                                variant.clone(),
                                "Routable variants with a #[child(..)] attribute must have named fields",
                            ))
                        }
                    }
                } else {
                    return Err(syn::Error::new_spanned(
                            variant.clone(),
                            "Routable variants must either have a #[route(..)] attribute or a #[child(..)] attribute",
                        ));
                }
            }
        };

        let fields = match &variant.fields {
            syn::Fields::Named(fields) => fields
                .named
                .iter()
                .filter_map(|f| {
                    if let RouteType::Child(child) = &ty {
                        if f.ident == child.ident {
                            return None;
                        }
                    }
                    Some((f.ident.clone().unwrap(), f.ty.clone()))
                })
                .collect(),
            _ => Vec::new(),
        };

        let (route_segments, query, hash) = {
            parse_route_segments(
                variant.ident.span(),
                fields.iter().map(|f| (&f.0, &f.1)),
                &route,
            )?
        };

        Ok(Self {
            ty,
            route_name,
            segments: route_segments,
            route,
            query,
            hash,
            nests,
            layouts,
            fields,
        })
    }

    pub(crate) fn display_match(&self, nests: &[Nest]) -> TokenStream2 {
        let name = &self.route_name;
        let dynamic_segments = self.dynamic_segments();
        let write_query: Option<TokenStream2> = self.query.as_ref().map(|q| q.write());
        let write_hash = self.hash.as_ref().map(|q| q.write());

        match &self.ty {
            RouteType::Child(field) => {
                let write_nests = self.nests.iter().map(|id| nests[id.0].write());
                let write_segments = self.segments.iter().map(|s| s.write_segment());
                let child = field.ident.as_ref().unwrap();
                quote! {
                    Self::#name { #(#dynamic_segments,)* #child } => {
                        use ::std::fmt::Display;
                        use ::std::fmt::Write;
                        let mut route = String::new();
                        {
                            let f = &mut route;
                            #(#write_nests)*
                            #(#write_segments)*
                        }
                        if route.ends_with('/') {
                            route.pop();
                        }
                        f.write_str(&route)?;
                        #child.fmt(f)?;
                    }
                }
            }
            RouteType::Leaf { .. } => {
                let write_nests = self.nests.iter().map(|id| nests[id.0].write());
                let write_segments = self.segments.iter().map(|s| s.write_segment());
                quote! {
                    Self::#name { #(#dynamic_segments,)* } => {
                        #(#write_nests)*
                        #(#write_segments)*
                        #write_query
                        #write_hash
                    }
                }
            }
        }
    }

    pub(crate) fn routable_match(
        &self,
        layouts: &[Layout],
        nests: &[Nest],
        router_name: &Ident,
    ) -> TokenStream2 {
        let name = &self.route_name;

        let mut tokens = TokenStream2::new();

        // First match all layouts
        for (idx, layout_id) in self.layouts.iter().copied().enumerate() {
            let render_layout = layouts[layout_id.0].routable_match(nests);
            let dynamic_segments = self.dynamic_segments();
            let mut field_name = None;
            if let RouteType::Child(field) = &self.ty {
                field_name = field.ident.as_ref();
            }
            let field_name = field_name.map(|f| quote!(#f,));
            // This is a layout
            tokens.extend(quote! {
                #[allow(unused)]
                (#idx, Self::#name { #(#dynamic_segments,)* #field_name .. }) => {
                    #render_layout
                }
            });
        }

        // Then match the route
        let last_index = self.layouts.len();
        tokens.extend(match &self.ty {
            RouteType::Child(field) => {
                let field_name = field.ident.as_ref().unwrap();
                quote! {
                    #[allow(unused)]
                    (#last_index.., Self::#name { #field_name, .. }) => {
                        rsx! {
                            dioxus_router::components::child_router::ChildRouter {
                                route: #field_name,
                                // Try to parse the current route as a parent route, and then match it as a child route
                                parse_route_from_root_route: |__route| if let Ok(__route) = __route.parse() {
                                    if let Self::#name { #field_name, .. } = __route {
                                        Some(#field_name)
                                    } else {
                                        None
                                    }
                                } else {
                                    None
                                },
                                // Try to parse the child route and turn it into a parent route
                                format_route_as_root_route: |#field_name| Self::#name { #field_name: #field_name }.to_string(),
                            }
                        }
                    }
                }
            }
            RouteType::Leaf { component } => {
                let dynamic_segments = self.dynamic_segments();
                let dynamic_segments_from_route = self.dynamic_segments();


                let component = quote_spanned! { name.span() =>
                    #component
                };

                /*
                The implementation of this is pretty gnarly/gross.

                We achieve the bundle splitting by wrapping the incoming function in a new component
                that suspends based on an internal lazy loader. This lets us use suspense features
                without breaking the rules of hooks. The router derive is quite complex so this shoves
                the complexity towards the "leaf" of the codegen rather to its core. In the future though,
                we should think about restructuring the router macro completely since its codegen
                makes up nearly 30-40% of the binary size in the dioxus docsite.

                The lazy loader itself lives in a helper next to the `Routable` impl (see
                `wasm_split_helper`) so that `preload_wasm_split` can load the same chunk before the
                app's first render. If the chunk is already loaded when the loader mounts, the route
                renders synchronously: a server-rendered page then hydrates, because the client's first
                render matches the server's instead of suspending the whole app.
                */
                let dynamic_segments_receiver = self.dynamic_segments();
                let helper_name = self.wasm_split_helper_name();
                let (loader, no_partial_eq, _) = wasm_split_loader_names(router_name);
                let key = LitStr::new(&name.to_string(), name.span());

                quote! {
                    #[allow(unused)]
                    (#last_index, Self::#name { #(#dynamic_segments,)* }) => {
                        dioxus::config_macros::maybe_wasm_split! {
                            if wasm_split {
                                {
                                    // One loader for every page (`wasm_split_page_loader`), given
                                    // this route's helper: no component per route. Keyed by the
                                    // route: the arms' templates are alike, so without the key a
                                    // move to another page would reuse this page's loader, hooks
                                    // and all, where each route's own loader was replaced.
                                    let __wasm_split_route_key = #key;
                                    rsx! {
                                        for page in ::std::iter::once(#no_partial_eq(
                                            #router_name::#name { #(#dynamic_segments_receiver,)* },
                                            #helper_name,
                                        )) {
                                            #loader { key: "{__wasm_split_route_key}", page }
                                        }
                                    }
                                }
                            } else {
                                {
                                    rsx! {
                                        #component {
                                            #(#dynamic_segments_from_route: #dynamic_segments_from_route,)*
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });

        tokens
    }

    /// The name of the function that owns this leaf route's wasm-split lazy loader.
    fn wasm_split_helper_name(&self) -> Ident {
        let name = &self.route_name;
        use sha2::Digest;
        let unique_identifier = base16::encode_lower(
            &sha2::Sha256::digest(format!("{name} {span:?}", span = name.span()))[..16],
        );
        format_ident!("__wasm_split_route_{}{}", name, unique_identifier)
    }

    /// For a leaf route: the function that owns the route's wasm-split lazy loader (emitted next to
    /// the `Routable` impl), and the arm of `preload_wasm_split` that loads it.
    ///
    /// `helper(Some(route))` renders the route if its chunk is loaded, `helper(None)` never does; both
    /// return the future that loads the chunk otherwise. Without wasm-split the helper is never called
    /// from `render` and always returns `Ok`, so `preload_wasm_split` resolves at once.
    pub(crate) fn wasm_split_helper(
        &self,
        router_name: &Ident,
    ) -> Option<(TokenStream2, TokenStream2)> {
        let RouteType::Leaf { component } = &self.ty else {
            return None;
        };
        let name = &self.route_name;
        let component = quote_spanned! { name.span() =>
            #component
        };
        let dynamic_segments_from_route_ = self.dynamic_segments();
        let dynamic_segments_from_route__ = self.dynamic_segments();
        use sha2::Digest;
        let unique_identifier = base16::encode_lower(
            &sha2::Sha256::digest(format!("{name} {span:?}", span = name.span()))[..16],
        );
        let module_name = format_ident!("module{}{unique_identifier}", name).to_string();
        let comp_name = format_ident!("route{}{unique_identifier}", name);
        let helper_name = self.wasm_split_helper_name();

        let helper = quote! {
            #[doc(hidden)]
            #[allow(non_snake_case, unused, unreachable_patterns, clippy::all)]
            fn #helper_name(
                args: ::std::option::Option<#router_name>,
            ) -> ::std::result::Result<
                dioxus_core::Element,
                ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = bool>>>,
            > {
                dioxus::config_macros::maybe_wasm_split! {
                    if wasm_split {
                        {
                            type Load = ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = bool>>>;

                            fn #comp_name(args: #router_name) -> Element {
                                match args {
                                    #router_name::#name { #(#dynamic_segments_from_route_,)* } => {
                                        rsx! {
                                            #component {
                                                #(#dynamic_segments_from_route__: #dynamic_segments_from_route__,)*
                                            }
                                        }
                                    }
                                    _ => unreachable!()
                                }
                            }

                            static MODULE: wasm_split::LazyLoader<#router_name, Element> =
                                wasm_split::lazy_loader!(extern #module_name fn #comp_name(props: #router_name) -> Element);

                            match args {
                                ::std::option::Option::Some(args) => match MODULE.call(args) {
                                    ::std::result::Result::Ok(element) => ::std::result::Result::Ok(element),
                                    ::std::result::Result::Err(_) => ::std::result::Result::Err(::std::boxed::Box::pin(MODULE.load()) as Load),
                                },
                                ::std::option::Option::None => ::std::result::Result::Err(::std::boxed::Box::pin(MODULE.load()) as Load),
                            }
                        }
                    } else {
                        {
                            let _ = args;
                            ::std::result::Result::Ok(VNode::empty())
                        }
                    }
                }
            }
        };

        let preload_arm = quote! {
            #router_name::#name { .. } => match #helper_name(::std::option::Option::None) {
                ::std::result::Result::Ok(_) => true,
                ::std::result::Result::Err(load) => load.await,
            },
        };

        Some((helper, preload_arm))
    }

    fn dynamic_segments(&self) -> impl Iterator<Item = TokenStream2> + '_ {
        self.fields.iter().map(|(name, _)| {
            quote! {#name}
        })
    }

    pub(crate) fn construct(&self, nests: &[Nest], enum_name: Ident) -> TokenStream2 {
        let segments = self.fields.iter().map(|(name, _)| {
            let mut from_route = false;

            for id in &self.nests {
                let nest = &nests[id.0];
                if nest.dynamic_segments_names().any(|i| &i == name) {
                    from_route = true
                }
            }
            for segment in &self.segments {
                if segment.name().as_ref() == Some(name) {
                    from_route = true
                }
            }
            if let Some(query) = &self.query {
                if query.contains_ident(name) {
                    from_route = true
                }
            }
            if let Some(hash) = &self.hash {
                if hash.contains_ident(name) {
                    from_route = true
                }
            }

            if from_route {
                quote! {#name}
            } else {
                quote! {#name: Default::default()}
            }
        });
        match &self.ty {
            RouteType::Child(field) => {
                let name = &self.route_name;
                let child_name = field.ident.as_ref().unwrap();

                quote! {
                    #enum_name::#name {
                        #child_name,
                        #(#segments,)*
                    }
                }
            }
            RouteType::Leaf { .. } => {
                let name = &self.route_name;

                quote! {
                    #enum_name::#name {
                        #(#segments,)*
                    }
                }
            }
        }
    }

    pub(crate) fn error_ident(&self) -> Ident {
        format_ident!("{}ParseError", self.route_name)
    }

    pub(crate) fn error_type(&self) -> TokenStream2 {
        let error_name = self.error_ident();
        let child_type = match &self.ty {
            RouteType::Child(field) => Some(&field.ty),
            RouteType::Leaf { .. } => None,
        };

        create_error_type(&self.route, error_name, &self.segments, child_type)
    }

    pub(crate) fn parse_query(&self) -> TokenStream2 {
        match &self.query {
            Some(query) => query.parse(),
            None => quote! {},
        }
    }

    pub(crate) fn parse_hash(&self) -> TokenStream2 {
        match &self.hash {
            Some(hash) => hash.parse(),
            None => quote! {},
        }
    }
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum RouteType {
    Child(Field),
    Leaf { component: Path },
}

/// The names of the one page loader of a `Routable` enum (see [`wasm_split_page_loader`]): the
/// component, its never-equal prop (the route and its helper), and the type of a route's helper.
pub(crate) fn wasm_split_loader_names(router_name: &Ident) -> (Ident, Ident, Ident) {
    (
        format_ident!("__WasmSplitPage{}", router_name),
        format_ident!("__WasmSplitNoPartialEq{}", router_name),
        format_ident!("__WasmSplitHelper{}", router_name),
    )
}

/// The component that renders any page of a split app, emitted once per `Routable` enum (it was
/// one component per route: 13 routes cost about 40 KB of the main wasm, each a copy of the same
/// hooks). It is given the route and that route's helper (`wasm_split_helper`), which renders the
/// page when its chunk is loaded and hands back the chunk's load otherwise.
///
/// Decided once per mount, so the hook list never changes: a page whose chunk was loaded when it
/// mounted renders at once (what hydration needs); one whose chunk was not suspends until it is.
pub(crate) fn wasm_split_page_loader(router_name: &Ident) -> TokenStream2 {
    let (loader, no_partial_eq, helper_type) = wasm_split_loader_names(router_name);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        type #helper_type = fn(
            ::std::option::Option<#router_name>,
        ) -> ::std::result::Result<
            dioxus_core::Element,
            ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = bool>>>,
        >;

        /// A route and its helper, never equal to another: the page renders again whenever its
        /// parent does (as each route's own loader did).
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #[derive(Clone)]
        struct #no_partial_eq(#router_name, #helper_type);

        impl ::std::cmp::PartialEq for #no_partial_eq {
            fn eq(&self, _other: &Self) -> bool {
                false
            }
        }

        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        #[component]
        fn #loader(page: #no_partial_eq) -> Element {
            let #no_partial_eq(route, helper) = page;
            let loaded_on_mount = dioxus::prelude::use_hook(|| {
                helper(::std::option::Option::Some(route.clone())).is_ok()
            });
            if !loaded_on_mount {
                use_resource(move || async move {
                    match helper(::std::option::Option::None) {
                        ::std::result::Result::Ok(_) => true,
                        ::std::result::Result::Err(load) => load.await,
                    }
                })
                .suspend()?;
            }
            match helper(::std::option::Option::Some(route)) {
                ::std::result::Result::Ok(element) => element,
                ::std::result::Result::Err(_) => panic!("Failed to load wasm-split module"),
            }
        }
    }
}
