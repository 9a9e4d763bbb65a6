// 工事・故障情報メール (B2): a mailing's live progress in the back office. The page's JSON
// (data-url, the same figures the page was rendered with) is fetched at once and then every
// second while the mailing still moves (対象を選択中, 送信中, 一時停止中); the figures, the
// progress bar, the chart of mails per second and the failures are redrawn in place, no
// reload. Polling stops once the mailing is 完了. No inline script or style: strict CSP (the
// chart's look is in progress.css; SVG elements carry classes only).
(function () {
  "use strict";
  var INTERVAL_MS = 1000;
  var RETRY_MS = 5000;
  var SVG = "http://www.w3.org/2000/svg";
  var CHART_HEIGHT = 200;
  var MARGIN = { left: 60, right: 12, top: 12, bottom: 26 };
  var whole = new Intl.NumberFormat("ja-JP");
  var tenth = new Intl.NumberFormat("ja-JP", { maximumFractionDigits: 1 });

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    var element = byId(id);
    if (element) {
      element.textContent = text;
    }
  }

  function percentText(value) {
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  function duration(seconds) {
    if (seconds < 60) {
      return seconds + "秒";
    }
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + "分" + (rest ? rest + "秒" : "");
  }

  // The smallest of 1, 2, 5 × 10^n at or above the value: the chart's top line.
  function niceCeiling(value) {
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (value <= steps[i] * magnitude) {
        return steps[i] * magnitude;
      }
    }
    return 10 * magnitude;
  }

  function svgElement(name, attributes, text) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, String(attributes[key]));
    });
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }

  function drawChart(svg, series, caption) {
    var points = series.points;
    var width = Math.max(240, Math.round(svg.getBoundingClientRect().width) || 600);
    var plotWidth = width - MARGIN.left - MARGIN.right;
    var plotHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
    var baseline = MARGIN.top + plotHeight;
    var peak = points.reduce(function (most, point) {
      return Math.max(most, point[1]);
    }, 0);
    var top = niceCeiling(peak > 0 ? peak : 1);
    var span = points.length ? points[points.length - 1][0] + series.bucket : 1;

    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    svg.setAttribute("viewBox", "0 0 " + width + " " + CHART_HEIGHT);
    for (var i = 0; i <= 2; i++) {
      var value = (top * i) / 2;
      var y = baseline - (plotHeight * i) / 2;
      svg.appendChild(
        svgElement("line", {
          x1: MARGIN.left,
          x2: width - MARGIN.right,
          y1: y,
          y2: y,
          class: i === 0 ? "axis" : "grid",
        })
      );
      svg.appendChild(
        svgElement("text", { x: MARGIN.left - 6, y: y + 4, "text-anchor": "end" }, whole.format(value))
      );
    }
    svg.appendChild(
      svgElement("line", { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: baseline, class: "axis" })
    );
    svg.appendChild(svgElement("text", { x: MARGIN.left, y: CHART_HEIGHT - 6 }, "0秒"));
    svg.appendChild(
      svgElement(
        "text",
        { x: width - MARGIN.right, y: CHART_HEIGHT - 6, "text-anchor": "end" },
        duration(span)
      )
    );

    var coordinates = points.map(function (point) {
      var x = MARGIN.left + (plotWidth * (point[0] + series.bucket / 2)) / span;
      var y = baseline - (plotHeight * point[1]) / top;
      return x.toFixed(1) + "," + y.toFixed(1);
    });
    if (coordinates.length) {
      var first = coordinates[0].split(",")[0];
      var last = coordinates[coordinates.length - 1].split(",")[0];
      svg.appendChild(
        svgElement("polygon", {
          points: first + "," + baseline + " " + coordinates.join(" ") + " " + last + "," + baseline,
          class: "rate-area",
        })
      );
      svg.appendChild(svgElement("polyline", { points: coordinates.join(" "), class: "rate" }));
    }
    svg.dataset.points = String(coordinates.length);
    caption.textContent = points.length
      ? "最大 " +
        tenth.format(peak) +
        " 通/秒（" +
        (series.bucket === 1 ? "1秒ごと" : series.bucket + "秒ごとの平均") +
        "）"
      : "まだ送信していません。";
  }

  function showFailures(failures) {
    var table = byId("mailing-failures");
    var none = byId("mailing-no-failures");
    var body = table.tBodies[0];
    while (body.firstChild) {
      body.removeChild(body.firstChild);
    }
    failures.forEach(function (failure) {
      var row = body.insertRow();
      [
        [failure.address, "mailing-address"],
        [failure.reply, "mailing-reply"],
        [String(failure.attempts), ""],
        [failure.at, "mailing-when"],
      ].forEach(function (cell) {
        var td = row.insertCell();
        td.textContent = cell[0];
        if (cell[1]) {
          td.className = cell[1];
        }
      });
    });
    table.hidden = failures.length === 0;
    none.hidden = failures.length > 0;
  }

  function render(root, data) {
    root.dataset.state = data.state;
    setText("mailing-state", data.state_label);
    setText("mailing-started", data.started_at);
    setText("mailing-finished", data.finished_at);
    setText(
      "mailing-selection",
      data.selection_seconds === null ? "-" : tenth.format(data.selection_seconds) + " 秒"
    );
    setText("mailing-rate", data.rate === null ? "-" : tenth.format(data.rate) + " 通/秒");
    var bar = byId("mailing-bar");
    bar.value = data.percent;
    bar.textContent = percentText(data.percent) + "%";
    setText("mailing-percent", percentText(data.percent));
    setText("mailing-done", whole.format(data.done));
    setText("mailing-total", whole.format(data.total));
    data.counts.forEach(function (item) {
      var cell = root.querySelector('td[data-key="' + item.key + '"]');
      if (cell) {
        cell.textContent = whole.format(item.value);
      }
    });
    var pause = byId("mailing-pause");
    var resume = byId("mailing-resume");
    if (pause) {
      pause.hidden = data.state !== "sending";
    }
    if (resume) {
      resume.hidden = data.state !== "paused";
    }
    showFailures(data.failures);
    drawChart(byId("mailing-chart"), data.series, byId("mailing-chart-caption"));
  }

  function start() {
    var root = document.querySelector(".mailing-progress[data-url]");
    if (!root || !window.fetch) {
      return;
    }
    var live = byId("mailing-live");
    var last = null;

    function poll() {
      fetch(root.dataset.url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (response.ok && type.indexOf("application/json") === 0) {
            return response.json();
          }
          // The back office's login page (the session ended) or its 403 page.
          var error = new Error(String(response.status));
          error.final = response.ok || response.status === 403 || response.status === 404;
          throw error;
        })
        .then(function (data) {
          last = data;
          render(root, data);
          root.dataset.updates = String(Number(root.dataset.updates || 0) + 1);
          live.textContent = data.active ? "1秒ごとに自動で更新しています。" : "";
          // Said on the page for whoever checks it (the browser tests): polling goes on or ends.
          root.dataset.polling = data.active ? "on" : "stopped";
          if (data.active) {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function (error) {
          if (error.final) {
            root.dataset.polling = "stopped";
            live.textContent =
              "最新の状況を表示できません。ログインし直してから、ページを再読み込みしてください。";
            return;
          }
          live.textContent = "最新の状況を取得できませんでした。5秒後にもう一度試します。";
          window.setTimeout(poll, RETRY_MS);
        });
    }

    window.addEventListener("resize", function () {
      if (last) {
        drawChart(byId("mailing-chart"), last.series, byId("mailing-chart-caption"));
      }
    });
    poll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
