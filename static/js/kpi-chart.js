// KPI charts of a project page: for each KPI target, its actual figures over time against the target.
// The data comes from a <script type="application/json"> named by the container's data-chart-source
// (the page's Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  var container = document.querySelector('[data-chart-source]');
  if (!container || typeof echarts === 'undefined') {
    return;
  }
  var data = JSON.parse(document.getElementById(container.getAttribute('data-chart-source')).textContent);
  var labels = data.labels;
  var charts = [];

  // A round whole number a little above ``value`` (110000 → 120000, 6 → 7), for the top of the value axis.
  function roundUp(value) {
    if (!(value > 0)) {
      return 1;
    }
    var step = Math.max(1, Math.pow(10, Math.floor(Math.log10(value * 1.1)) - 1));
    return Math.ceil(value * 1.1 / step) * step;
  }

  data.series.forEach(function (series) {
    var column = document.createElement('div');
    column.className = 'col-md-6';
    var title = document.createElement('div');
    title.className = 'small fw-semibold';
    title.textContent = series.name + (series.unit ? ' (' + series.unit + ')' : '');
    var box = document.createElement('div');
    box.className = 'kpi-chart';
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', title.textContent);
    column.appendChild(title);
    container.appendChild(column);
    if (!series.points.length) {
      var none = document.createElement('p');
      none.className = 'small text-muted';
      none.textContent = labels.none + ' ' + labels.target + ' ' + series.target;
      column.appendChild(none);
      return;
    }
    column.appendChild(box);

    var chart = echarts.init(box, null, {renderer: 'svg'});
    chart.setOption({
      animation: false,
      grid: {left: 56, right: 16, top: 28, bottom: 28},
      legend: {top: 0, data: [labels.actual, labels.target]},
      tooltip: {trigger: 'axis'},
      xAxis: {type: 'time', axisLabel: {hideOverlap: true}},
      // The target must stay in view even before the figures come near it.
      yAxis: {type: 'value', min: 0, max: function (extent) { return roundUp(Math.max(extent.max, series.target)); }},
      series: [
        {name: labels.actual, type: 'line', data: series.points, symbolSize: 6, markLine: {
          symbol: 'none', lineStyle: {type: 'dotted', color: '#6c757d'},
          label: {formatter: labels.due}, data: [{xAxis: series.due}]}},
        {name: labels.target, type: 'line', data: [], markLine: {
          symbol: 'none', lineStyle: {type: 'dashed', color: '#198754'},
          label: {position: 'insideEndTop', formatter: labels.target + ' ' + series.target},
          data: [{yAxis: series.target}]}}
      ]
    });
    charts.push(chart);
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
