/* Kazan website widget loader (docs/decisions/0021-widget-loader.md). Hand-written, no build.
   Draws only the launcher; makes no request and stores nothing until the visitor clicks it.
   API: Kazan("open"|"close"|"toggle"), Kazan("identify",{name,email}), Kazan("on",event,fn),
   or Kazan.open() etc.; calls made before this script ran wait in Kazan.q. */
(function(w,d){"use strict";
var s=d.currentScript;if(!s||w.__kazanWidget)return;var id=s.getAttribute("data-client");if(!id)return;w.__kazanWidget=1;
var base=new URL(s.src,d.baseURI).origin,A=function(n){return s.getAttribute("data-"+n)},
col=/^#[0-9a-fA-F]{6}$/.test(A("color")||"")?A("color"):"#1f7a5a",left=A("position")=="bottom-left",
label=A("label")||"\u{1F4AC}",pro=A("proactive"),delay=+A("proactive-delay")||0,prev=A("preview"),
hs={},who=null,open=0,ready=0,fr,box,tip,
host=d.createElement("div"),root=host.attachShadow?host.attachShadow({mode:"open"}):host,
side=left?"left":"right",
css=":host{all:initial}*{box-sizing:border-box;font:15px/1.3 system-ui,sans-serif}"+
".l{position:fixed;bottom:20px;"+side+":20px;z-index:2147483000;min-height:48px;padding:0 20px;border:0;border-radius:24px;background:"+col+";color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}"+
".l:focus-visible,.t:focus-visible{outline:3px solid #111;outline-offset:3px}"+
".t{position:fixed;bottom:80px;"+side+":20px;z-index:2147483000;max-width:260px;padding:10px 14px;border:1px solid #ddd;border-radius:12px;background:#fff;color:#111;cursor:pointer;text-align:left;box-shadow:0 4px 14px rgba(0,0,0,.2)}"+
".b{position:fixed;bottom:84px;"+side+":20px;z-index:2147483001;width:380px;height:min(640px,calc(100vh - 104px));border-radius:14px;overflow:hidden;background:#fff;box-shadow:0 8px 30px rgba(0,0,0,.3)}"+
".b[hidden],.t[hidden]{display:none}iframe{width:100%;height:100%;border:0;display:block}"+
"@media (max-width:480px){.b{inset:0;width:100%;height:100%;height:100dvh;border-radius:0}}";
function el(t,c,x){var e=d.createElement(t);if(c)e.className=c;if(x)e.textContent=x;return e}
if(root.adoptedStyleSheets&&w.CSSStyleSheet&&"replaceSync"in CSSStyleSheet.prototype){var sh=new CSSStyleSheet;sh.replaceSync(css);root.adoptedStyleSheets=[sh]}else{root.appendChild(el("style",0,css))}
var btn=el("button","l",label);btn.type="button";btn.setAttribute("aria-label",label);btn.setAttribute("aria-expanded","false");root.appendChild(btn);
function emit(n,x){(hs[n]||[]).slice().forEach(function(f){try{f(x)}catch(e){setTimeout(function(){throw e})}})}
function post(m){if(fr&&ready)fr.contentWindow.postMessage(m,base)}
function build(){box=el("div","b");box.setAttribute("role","dialog");box.setAttribute("aria-label",label);
fr=el("iframe");fr.title=label;var q=new URLSearchParams({client:id,origin:location.origin,lang:navigator.language||""});if(prev)q.set("preview",prev);
fr.src=base+"/widget/frame?"+q;fr.setAttribute("allow","clipboard-write");box.appendChild(fr);root.appendChild(box);
w.addEventListener("message",function(e){if(e.origin!==base||e.source!==fr.contentWindow||!e.data||e.data.kazan!==1)return;var m=e.data;
if(m.type=="ready"){ready=1;if(who)post({kazan:1,type:"identify",visitor:who});if(open)post({kazan:1,type:"focus"})}
else if(m.type=="close")hide();else if(m.type=="event"&&/^(message|form_submitted|handoff)$/.test(m.name))emit(m.name,m.detail)})}
function show(){if(open)return;if(!box)build();if(tip)tip.hidden=true;box.hidden=false;open=1;btn.setAttribute("aria-expanded","true");fr.focus();post({kazan:1,type:"focus"});emit("open")}
function hide(){if(!open)return;box.hidden=true;open=0;btn.setAttribute("aria-expanded","false");btn.focus();emit("close")}
btn.addEventListener("click",function(){open?hide():show()});
d.addEventListener("keydown",function(e){if(open&&e.key=="Escape")hide()});
if(pro&&delay>0)setTimeout(function(){if(open)return;tip=el("button","t",pro);tip.type="button";tip.addEventListener("click",show);root.appendChild(tip)},delay*1e3);
var api={open:show,close:hide,toggle:function(){open?hide():show()},
identify:function(v){v=v||{};who={name:String(v.name||"").slice(0,120),email:String(v.email||"").slice(0,254)};post({kazan:1,type:"identify",visitor:who})},
on:function(n,f){if(typeof f=="function")(hs[n]=hs[n]||[]).push(f)}};
function K(c){var f=api[c];if(f)return f.apply(null,[].slice.call(arguments,1))}
for(var k in api)K[k]=api[k];var q0=(w.Kazan&&w.Kazan.q)||[];w.Kazan=K;
function mount(){d.body.appendChild(host);q0.forEach(function(a){K.apply(null,a)})}
d.body?mount():d.addEventListener("DOMContentLoaded",mount)})(window,document);
